"""Storing a complaint, and building the start of its case's workflow.

The complaint, its case record and the first timeline line are written in one transaction before
Temporal is called, so nothing is lost when Temporal is down: the reconciler starts what is pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import String, cast, exists, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select, update

from domain.addresses import address_key, whole_last_word
from domain.calendar import BusinessCalendar
from domain.case import CaseStart, CaseState
from domain.case_numbers import new_tracking_code
from domain.city import City
from domain.policy import CasePolicy, ViolationType
from domain.routing import Point, distance_m
from domain.stages import CaseStage, Channel
from records.case_numbers import next_case_number
from records.legacy_cases import legacy_case_of
from records.tables import Case, CaseEvent, Complainant, Complaint, Message, Parcel

# A point farther than this from every parcel is a street, a park or a typo, not a property.
MAX_PARCEL_DISTANCE_M = 150


@dataclass(frozen=True)
class ComplainantDetails:
    name: str | None
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class NewComplaint:
    violation: ViolationType
    parcel: Parcel
    location_text: str
    lat: float | None
    lon: float | None
    description: str
    channel: Channel
    complainant: ComplainantDetails | None
    received_by_user_id: int | None


def parcel_by_address(session: Session, text: str) -> Parcel | None:
    return session.exec(select(Parcel).where(Parcel.address_key == address_key(text))).first()


def search_parcels(session: Session, text: str, limit: int) -> list[Parcel]:
    """Parcels whose address starts with, then has a word starting with, what was typed (intake forms suggest
    as you type). A house number matches whole: "212 W 14th St" is not 1212 W 14th St, nor is "212" 2120."""
    key = address_key(text)
    column = col(Parcel.address_key)
    if whole_last_word(key):
        starts_with, within = (
            or_(column == key, column.startswith(f"{key} ")),
            or_(column.contains(f" {key} "), column.endswith(f" {key}")),
        )
    else:
        starts_with, within = column.startswith(key), column.contains(f" {key}")
    starts = list(session.exec(select(Parcel).where(starts_with).order_by(column).limit(limit)))
    if len(starts) < limit:
        seen = {p.parcel_id for p in starts}
        contains = session.exec(select(Parcel).where(within).order_by(column).limit(limit))
        starts += [p for p in contains if p.parcel_id not in seen][: limit - len(starts)]
    return starts


def nearest_parcel(session: Session, lat: float, lon: float) -> tuple[Parcel, float] | None:
    """The closest parcel to a point; a degree box keeps the scan to the neighbourhood."""
    box = 0.01
    candidates = session.exec(
        select(Parcel).where(
            col(Parcel.lat).between(lat - box, lat + box), col(Parcel.lon).between(lon - box, lon + box)
        )
    )
    here = Point(lat, lon)
    ranked = sorted(((p, distance_m(here, Point(p.lat, p.lon))) for p in candidates), key=lambda pd: pd[1])
    return ranked[0] if ranked else None


class UnknownPlace(LookupError):
    """A place that is not a property of the city; the message says why, in words for the person who gave it."""


@dataclass(frozen=True)
class Place:
    parcel: Parcel
    location_text: str
    lat: float | None
    lon: float | None

    def complaint(
        self,
        violation: ViolationType,
        *,
        description: str,
        channel: Channel,
        complainant: ComplainantDetails | None,
        received_by_user_id: int | None,
    ) -> NewComplaint:
        """A complaint about this place, where it was given (an address as typed, or a point on the map)."""
        return NewComplaint(
            violation=violation,
            parcel=self.parcel,
            location_text=self.location_text,
            lat=self.lat,
            lon=self.lon,
            description=description,
            channel=channel,
            complainant=complainant,
            received_by_user_id=received_by_user_id,
        )


def place_at_address(session: Session, city: City, text: str) -> Place:
    parcel = parcel_by_address(session, text)
    if parcel is None:
        street = " ".join(word for word in address_key(text).split() if not word.isdigit())
        suggestions = [p.address for p in search_parcels(session, street, 3)] if street else []
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        raise UnknownPlace(f"{text!r} is not an address in the {city.name}{hint}")
    return Place(parcel, text, None, None)


def place_at_point(session: Session, city: City, lat: float, lon: float) -> Place:
    if not city.bounds.contains(lat, lon):
        raise UnknownPlace(f"the point ({lat}, {lon}) is outside the {city.name}")
    found = nearest_parcel(session, lat, lon)
    if found is None or found[1] > MAX_PARCEL_DISTANCE_M:
        raise UnknownPlace(f"no property within {MAX_PARCEL_DISTANCE_M} m of ({lat}, {lon}); give the street address")
    return Place(found[0], f"{lat}, {lon}", lat, lon)


def store_complaint(
    session: Session, complaint: NewComplaint, calendar: BusinessCalendar, *, beside_open_case: bool
) -> Case:
    """Opens a case for the complaint; IntegrityError when, unless `beside_open_case`, another intake has just
    opened the case about the same parcel and violation type (the caller joins that one)."""
    now = datetime.now(UTC)
    violation = complaint.violation
    case = Case(
        case_number=next_case_number(session, calendar.local_date(now).year),
        tracking_code=new_tracking_code(),
        violation_code=violation.code,
        parcel_id=complaint.parcel.parcel_id,
        stage=CaseStage.RECEIVED,
        priority=violation.priority,
        category=violation.category,
        channel=complaint.channel,
        opened_at=now,
        joins_reports=not beside_open_case,
    )
    session.add(case)
    _add_complaint(session, case.case_number, complaint, now)
    session.add(
        CaseEvent(
            case_number=case.case_number,
            key="0000-received",
            kind="complaint_received",
            stage=CaseStage.RECEIVED,
            summary=f"Complaint received ({complaint.channel.value.replace('_', ' ')}): {violation.title}",
            actor="intake",
            data={"channel": complaint.channel.value, "anonymous": complaint.complainant is None},
        )
    )
    session.flush()
    return case


def _add_complaint(session: Session, case_number: str, complaint: NewComplaint, now: datetime) -> Complaint:
    complainant_id = None
    if complaint.complainant is not None:
        person = Complainant(**vars(complaint.complainant))
        session.add(person)
        session.flush()
        complainant_id = person.id
    row = Complaint(
        case_number=case_number,
        violation_code=complaint.violation.code,
        parcel_id=complaint.parcel.parcel_id,
        location_text=complaint.location_text,
        lat=complaint.lat,
        lon=complaint.lon,
        description=complaint.description,
        channel=complaint.channel,
        complainant_id=complainant_id,
        received_by_user_id=complaint.received_by_user_id,
        received_at=now,
    )
    session.add(row)
    return row


def open_case_for(session: Session, parcel_id: str, violation_code: str) -> Case | None:
    """The open case about this parcel and violation type, which a new report joins instead of opening another."""
    return session.exec(
        select(Case)
        .where(Case.parcel_id == parcel_id, Case.violation_code == violation_code, Case.stage != CaseStage.CLOSED)
        .order_by(col(Case.opened_at))
    ).first()


def attach_complaint(session: Session, case: Case, complaint: NewComplaint) -> Complaint:
    """Stores a duplicate report on the open case; the caller tells the case's workflow (a signal)."""
    row = _add_complaint(session, case.case_number, complaint, datetime.now(UTC))
    session.flush()
    return row


def note_new_case_beside(session: Session, case: Case, open_case: Case, reason: str) -> None:
    """Says on the new case's timeline why it was opened although a case about the same property and violation
    type is open, so a supervisor reading either sees they were kept apart on purpose."""
    session.add(
        CaseEvent(
            case_number=case.case_number,
            key="0000-beside-open-case",
            kind="opened_beside_open_case",
            stage=CaseStage.RECEIVED,
            summary=f"Opened as a new case beside open case {open_case.case_number}: {reason}",
            actor="intake",
            data={"open_case": open_case.case_number, "reason": reason},
        )
    )


def case_start(session: Session, case: Case, policy: CasePolicy) -> CaseStart:
    parcel = session.get(Parcel, case.parcel_id)
    first = session.exec(
        select(Complaint).where(Complaint.case_number == case.case_number).order_by(col(Complaint.id))
    ).first()
    if parcel is None or first is None:
        raise LookupError(f"case {case.case_number} has no parcel or complaint on record")
    legacy = legacy_case_of(session, case.case_number)
    resume = legacy.resume if legacy else None
    return CaseStart(
        case_number=case.case_number,
        tracking_code=case.tracking_code,
        opened_at=case.opened_at,
        channel=Channel(first.channel),
        parcel_id=parcel.parcel_id,
        address=parcel.address,
        zone=parcel.zone_code,
        policy=policy,
        # An imported open case starts at its step, from the state the import stored.
        resume=CaseState.model_validate({**resume, "policy": policy}) if resume else None,
        legacy_case_number=legacy.legacy_case_number if legacy else None,
    )


def pending_workflow_starts(session: Session, limit: int = 100) -> list[Case]:
    return list(
        session.exec(
            # A closed case without a workflow is imported history: there is nothing to start.
            select(Case)
            .where(col(Case.workflow_started_at).is_(None), col(Case.stage) != CaseStage.CLOSED)
            .order_by(col(Case.opened_at))
            .limit(limit)
        )
    )


def unacknowledged_joined_reports(session: Session, limit: int = 100) -> list[Complaint]:
    """Reports that joined a running, open case whose person left a way to reach them and was never told it was
    received (their acknowledgement could not be started: Temporal was down), so the reconciler starts it. The
    key is the one `send_complainant_updates` sends "received" under."""
    earlier = aliased(Complaint)
    key = Complaint.case_number + ":complainant-" + cast(Complainant.id, String) + ":received"
    reachable = or_(func.coalesce(Complainant.email, "") != "", func.coalesce(Complainant.phone, "") != "")
    return list(
        session.exec(
            select(Complaint)
            .join(Complainant, col(Complaint.complainant_id) == Complainant.id)
            .join(Case, col(Case.case_number) == Complaint.case_number)
            .where(col(Case.closed_at).is_(None), col(Case.workflow_started_at).is_not(None), reachable)
            .where(exists().where(col(earlier.case_number) == Complaint.case_number, col(earlier.id) < Complaint.id))
            .where(~exists().where(col(Message.key) == key))
            .order_by(col(Complaint.id))
            .limit(limit)
        )
    )


def mark_workflow_started(session: Session, case_number: str) -> None:
    session.execute(
        update(Case)
        .where(col(Case.case_number) == case_number, col(Case.workflow_started_at).is_(None))
        .values(workflow_started_at=datetime.now(UTC))
    )
