"""Liens certified and sent to the tax roll, a period at a time: the file is made once, stored with its hash, and
each lien in it marked; asked again for the same period, the same file comes back and nothing is sent twice. The
releases of liens sent before and paid in full since go in the next file, each once."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, col, select

from domain.tax_roll import TaxRollPeriod, TransmittalLine, transmittal_csv
from records.tables import Case, Lien, Parcel, TaxRollTransmittal

FOLDER = "tax-roll"


def transmit(
    session: Session, period: TaxRollPeriod, store: Path, certified_on: date, now: datetime
) -> TaxRollTransmittal:
    """Certifies the period's liens not yet sent (nor released) and the releases not yet sent, and writes their
    transmittal (the caller commits)."""
    earlier = session.exec(select(TaxRollTransmittal).where(TaxRollTransmittal.period == period.name)).first()
    if earlier is not None:
        return earlier
    liens = (
        select(Lien, Case.violation_code, Parcel.parcel_id, Parcel.owner_name)
        .join(Case, col(Case.case_number) == Lien.case_number)
        .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
        .order_by(col(Lien.id))
    )
    certified = session.exec(
        liens.where(
            col(Lien.transmittal_id).is_(None),
            col(Lien.released_at).is_(None),
            col(Lien.filed_at) >= period.start,
            col(Lien.filed_at) < period.end,
        )
    ).all()
    released = session.exec(
        liens.where(
            col(Lien.transmittal_id).is_not(None),
            col(Lien.release_transmittal_id).is_(None),
            col(Lien.released_at) < period.end,
        )
    ).all()
    lines = [
        TransmittalLine(parcel, owner, lien.amount, lien.case_number, f"{code} lien {lien.reference}", certified_on)
        for lien, code, parcel, owner in certified
    ]
    lines += [
        TransmittalLine(
            parcel,
            owner,
            lien.amount,
            lien.case_number,
            f"{code} release of lien {lien.reference}, paid in full",
            certified_on,
            "release",
        )
        for lien, code, parcel, owner in released
    ]
    data = transmittal_csv(lines)
    relative = f"{FOLDER}/{period.name}.csv"
    target = store / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    transmittal = TaxRollTransmittal(
        period=period.name, path=relative, sha256=hashlib.sha256(data).hexdigest(), lines=len(lines)
    )
    session.add(transmittal)
    session.flush()
    for lien, *_ in certified:
        lien.certified_at, lien.transmittal_id = now, transmittal.id
        session.add(lien)
    for lien, *_ in released:
        lien.release_transmittal_id = transmittal.id
        session.add(lien)
    return transmittal
