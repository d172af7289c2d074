"""What finance works from (`/finance`): every case's unpaid charges, the online payments that failed or were
refunded, and the liens not yet sent to the tax roll or paid off since."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from records.online_payments import OnlinePayment
from records.tables import Case, Lien, TaxRollTransmittal


def payment_troubles(session: Session) -> list[OnlinePayment]:
    return list(
        session.exec(
            select(OnlinePayment)
            .where(col(OnlinePayment.kind) != "checkout.session.completed")
            .order_by(col(OnlinePayment.received_at).desc())
        )
    )


@dataclass(frozen=True)
class LienLine:
    lien: Lien
    case_balance: Decimal
    transmitted_in: str | None

    @property
    def paid_off(self) -> bool:
        """Paid in full since it was filed: released by its case."""
        return self.case_balance <= 0 or self.lien.released_at is not None

    @property
    def release_to_send(self) -> bool:
        """Sent to the tax roll and paid off since: its release goes in the next tax-roll file."""
        return self.paid_off and self.transmitted_in is not None and self.lien.release_transmittal_id is None


def lien_lines(session: Session) -> list[LienLine]:
    rows = session.exec(
        select(Lien, Case.balance, TaxRollTransmittal.period)  # type: ignore[call-overload]
        .join(Case, col(Case.case_number) == Lien.case_number)
        .outerjoin(TaxRollTransmittal, col(TaxRollTransmittal.id) == Lien.transmittal_id)
        .order_by(col(Lien.filed_at))
    ).all()
    return [LienLine(lien, balance, period) for lien, balance, period in rows]


def transmittals(session: Session) -> list[TaxRollTransmittal]:
    return list(session.exec(select(TaxRollTransmittal).order_by(col(TaxRollTransmittal.period).desc())))


def transmittal(session: Session, period: str) -> TaxRollTransmittal | None:
    return session.exec(select(TaxRollTransmittal).where(TaxRollTransmittal.period == period)).first()


def past_due(now: datetime, due_at: datetime | None) -> bool:
    return due_at is not None and due_at < now
