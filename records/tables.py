"""SQLModel tables.

Complainant identity lives in its own table, linked only from the complaint, so no query that builds
an owner-facing or public view can reach it by accident. `case_events` is append-only: rows are
inserted with a server timestamp and never updated.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Index,
    Numeric,
    TypeDecorator,
    UniqueConstraint,
    false,
    func,
    text,
    true,
)
from sqlmodel import Field, SQLModel

from domain.case import LetterDocument, ParcelFacts


class UTCDateTime(TypeDecorator[datetime]):
    """Stores instants in UTC and reads them back time-zone aware.

    SQLite keeps no offset: a deadline of 17:00 in Riverton (-06:00) would come back as 17:00 UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"refusing a naive datetime ({value}): instants are stored with their time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc_column(*, nullable: bool = True, server_now: bool = False) -> Any:
    return Field(
        default=None,
        sa_column=Column(UTCDateTime(), nullable=nullable, server_default=func.now() if server_now else None),
    )


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True, max_length=64)
    full_name: str
    email: str | None = None
    phone: str | None = Field(default=None, max_length=32)
    # How urgent alerts reach them at once (domain/alerts.py AlertChannel), and whether the rest come by e-mail
    # in a daily digest; both theirs to set (and an admin's).
    alert_channel: str = Field(default="email", max_length=8, sa_column_kwargs={"server_default": "email"})
    daily_digest: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, server_default=true()))
    role: str = Field(index=True, max_length=32)
    password_hash: str
    active: bool = True
    created_at: datetime | None = _utc_column(nullable=False, server_now=True)
    # Sign-in failures in the current lockout window, and the lock they led to (domain/access.py LOCKOUT_*).
    failed_sign_ins: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    first_failure_at: datetime | None = _utc_column()
    locked_until: datetime | None = _utc_column()
    # Every session token names this version; signing out moves it on, which ends all of the user's sessions.
    session_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Zone(SQLModel, table=True):
    __tablename__ = "zones"

    code: str = Field(primary_key=True, max_length=16)
    name: str
    description: str = ""


class Officer(SQLModel, table=True):
    __tablename__ = "officers"

    id: int | None = Field(default=None, primary_key=True)
    badge: str = Field(unique=True, index=True, max_length=32)
    name: str
    email: str | None = None
    phone: str | None = None
    user_id: int | None = Field(default=None, foreign_key="users.id")
    active: bool = True


class OfficerZone(SQLModel, table=True):
    __tablename__ = "officer_zones"

    officer_id: int = Field(foreign_key="officers.id", primary_key=True)
    zone_code: str = Field(foreign_key="zones.code", primary_key=True)


class OfficerSpecialty(SQLModel, table=True):
    __tablename__ = "officer_specialties"

    officer_id: int = Field(foreign_key="officers.id", primary_key=True)
    specialty: str = Field(primary_key=True, max_length=32)


class Parcel(SQLModel, table=True):
    """A row of the assessment roll: the property and its owner of record."""

    __tablename__ = "parcels"

    parcel_id: str = Field(primary_key=True, max_length=32)
    address: str
    address_key: str = Field(index=True)
    zone_code: str = Field(foreign_key="zones.code", index=True)
    land_use: str
    lat: float
    lon: float
    owner_name: str
    owner_mailing_address: str
    owner_email: str | None = None
    owner_phone: str | None = None
    # "email" or "sms": how the owner asked to hear from the city; reminders fall back when the roll lacks it.
    owner_preferred_channel: str | None = Field(default=None, max_length=8)

    def facts(self) -> ParcelFacts:
        """The property and owner of record as a case carries them."""
        return ParcelFacts(
            parcel_id=self.parcel_id,
            address=self.address,
            zone=self.zone_code,
            land_use=self.land_use,
            lat=self.lat,
            lon=self.lon,
            owner_name=self.owner_name,
            owner_mailing_address=self.owner_mailing_address,
            owner_email=self.owner_email,
            owner_phone=self.owner_phone,
        )


class Complainant(SQLModel, table=True):
    __tablename__ = "complainants"

    id: int | None = Field(default=None, primary_key=True)
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    created_at: datetime | None = _utc_column(nullable=False, server_now=True)


OPEN_JOINING_REPORTS = "stage <> 'closed' AND joins_reports"


class Case(SQLModel, table=True):
    """The projection of a case that lists and reports read; the workflow is the source of truth."""

    __tablename__ = "cases"
    # The console's list and dashboard read by these (migration 0008; bench/case_list.py measures them).
    __table_args__ = (
        Index("ix_cases_opened_at", "opened_at"),
        Index("ix_cases_stage_opened_at", "stage", "opened_at"),
        Index("ix_cases_officer_opened_at", "assigned_officer_id", "opened_at"),
        Index("ix_cases_violation_opened_at", "violation_code", "opened_at"),
        Index("ix_cases_priority_opened_at", "priority", "opened_at"),
        Index("ix_cases_next_deadline", "next_deadline"),
        Index("ix_cases_overdue_next_deadline", "overdue", "next_deadline"),
        Index("ix_cases_closed_at", "closed_at"),
        Index("ix_cases_parcel_opened_at", "parcel_id", "opened_at"),  # a property's earlier case (recidivism)
        # Two reports of the same problem at the same moment cannot open two cases: the second insert fails and
        # its intake joins the first (services/intake.py). Migration 0014.
        Index(
            "ux_cases_open_joining_reports",
            "parcel_id",
            "violation_code",
            unique=True,
            sqlite_where=text(OPEN_JOINING_REPORTS),
            postgresql_where=text(OPEN_JOINING_REPORTS),
        ),
    )

    case_number: str = Field(primary_key=True, max_length=16)
    tracking_code: str = Field(unique=True, max_length=16)
    violation_code: str = Field(index=True, max_length=24)
    parcel_id: str = Field(foreign_key="parcels.parcel_id")  # indexed with opened_at (migration 0030)
    stage: str = Field(index=True, max_length=32)
    # The channel of the complaint that opened the case, whatever reports join it later: written with the case,
    # so the reports filter and break down by it without looking the first complaint up per case (migration 0027).
    channel: str | None = Field(default=None, max_length=16)
    priority: int
    category: str = Field(max_length=4)
    assigned_officer_id: int | None = Field(default=None, foreign_key="officers.id", index=True)
    opened_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    response_due_at: datetime | None = _utc_column()
    next_deadline: datetime | None = _utc_column()
    compliance_deadline: datetime | None = _utc_column()
    overdue: bool = False
    waiting_on: str | None = None
    balance: Decimal = Field(default=Decimal(0), sa_column=Column(Numeric(12, 2), nullable=False, server_default="0"))
    outcome: str | None = None
    closed_at: datetime | None = _utc_column()
    # The instant of the first inspection on its timeline, kept by the record writer as it writes that line
    # (`records/case_facts.py`, migration 0029): the reports read it instead of looking it up per case.
    first_inspected_at: datetime | None = _utc_column()
    # Intake sets it on a case it opens where none about the parcel and violation type is open (the case later
    # reports join), not on one staff open on purpose beside an open one ("open a new case anyway").
    joins_reports: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    # Null until Temporal has accepted the case's workflow: the reconciler starts what is still null.
    workflow_started_at: datetime | None = _utc_column()
    updated_at: datetime | None = _utc_column(nullable=False, server_now=True)


class Complaint(SQLModel, table=True):
    __tablename__ = "complaints"

    id: int | None = Field(default=None, primary_key=True)
    case_number: str = Field(foreign_key="cases.case_number", index=True)
    violation_code: str = Field(max_length=24)
    parcel_id: str = Field(foreign_key="parcels.parcel_id")
    location_text: str
    lat: float | None = None
    lon: float | None = None
    description: str
    channel: str = Field(max_length=16)
    complainant_id: int | None = Field(default=None, foreign_key="complainants.id")
    received_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    received_at: datetime | None = _utc_column(nullable=False, server_now=True)


class CaseEvent(SQLModel, table=True):
    """One line of a case's timeline. `key` makes an activity's retry write the same line, not a second one."""

    __tablename__ = "case_events"
    __table_args__ = (
        UniqueConstraint("case_number", "key", name="uq_case_events_case_key"),
        Index("ix_case_events_occurred_at", "occurred_at"),
        # Lines of some kinds in a period, with their case read from the index alone (the officers report, migration
        # 0028; the dashboard's inspections count).
        Index("ix_case_events_kind_occurred_case", "kind", "occurred_at", "case_number"),
        # A case's lines in time: its first inspection, its newest line, the reinspection after a due date.
        Index("ix_case_events_case_occurred_at", "case_number", "occurred_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_number: str = Field(foreign_key="cases.case_number", index=True)
    key: str = Field(max_length=64)
    kind: str = Field(max_length=48)
    stage: str = Field(max_length=32)
    summary: str
    actor: str = Field(default="system", max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    occurred_at: datetime | None = _utc_column(nullable=False, server_now=True)


class Counter(SQLModel, table=True):
    """Named sequences, such as one per year for case numbers."""

    __tablename__ = "counters"

    name: str = Field(primary_key=True, max_length=32)
    value: int = 0


class CaseNotice(SQLModel, table=True):
    """A notice issued on a case, and how and when it was served (the appeal clock starts at service)."""

    __tablename__ = "case_notices"
    __table_args__ = (UniqueConstraint("case_number", "seq", name="uq_case_notices_case_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    case_number: str = Field(foreign_key="cases.case_number", index=True)
    seq: int
    notice_type: str = Field(max_length=48)
    title: str
    issued_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    created_by: str | None = Field(default=None, max_length=64)  # who issued it
    served_at: datetime | None = _utc_column()
    service_method: str | None = Field(default=None, max_length=16)
    appeal_deadline: datetime | None = _utc_column()
    pdf_path: str | None = None
    pdf_sha256: str | None = Field(default=None, max_length=64)
    pdf_unavailable_reason: str | None = None
    # Proof of service: the certified/registered mail number, or the photo of the notice posted at the property.
    tracking_number: str | None = Field(default=None, max_length=34)
    posting_evidence_id: int | None = None
    # Served by mail, the letter waits in the print queue until staff say it went out.
    mailed_at: datetime | None = _utc_column()
    mailed_by: str | None = Field(default=None, max_length=64)
    # The letter as served: stored once, never overwritten; its hash proves what the owner received.
    template: str | None = Field(default=None, max_length=64)
    template_version: str | None = Field(default=None, max_length=64)
    document_path: str | None = None
    document_sha256: str | None = Field(default=None, max_length=64)
    served_by: str | None = Field(default=None, max_length=64)
    # A service that failed (bounced e-mail, mail returned) leaves the notice unserved, waiting for the next method.
    awaiting_service_by: str | None = Field(default=None, max_length=16)
    failed_services: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))

    def keep_letter(self, letter: LetterDocument | None) -> None:
        """The served letter's fields are columns (the print queue and outbox filter on them); None clears them."""
        self.document_path = letter.path if letter else None
        self.document_sha256 = letter.sha256 if letter else None
        self.template = letter.template if letter else None
        self.template_version = letter.template_version if letter else None
        self.pdf_path = letter.pdf_path if letter else None
        self.pdf_sha256 = letter.pdf_sha256 if letter else None
        self.pdf_unavailable_reason = letter.pdf_unavailable_reason if letter else None


class LedgerLine(SQLModel, table=True):
    """The case's account: fines and abatement costs owed, payments received. Never updated, only added to."""

    __tablename__ = "case_ledger"
    __table_args__ = (
        UniqueConstraint("case_number", "event_key", "line", name="uq_case_ledger_event_line"),
        Index("ix_case_ledger_recorded_at", "recorded_at"),  # the money report's period
    )

    id: int | None = Field(default=None, primary_key=True)
    case_number: str = Field(foreign_key="cases.case_number", index=True)
    event_key: str = Field(max_length=64)
    line: int
    entry_type: str = Field(max_length=24, index=True)
    amount: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))
    description: str
    due_at: datetime | None = _utc_column()
    reference: str | None = Field(default=None, max_length=100)
    recorded_at: datetime | None = _utc_column(nullable=False, server_now=True)


class UnpaidCharge(SQLModel, table=True):
    """What is still owed of a charge on a case's account (the ledger line it names), with the payments settled as
    the money report settles them. The record writer keeps it in the transaction that adds to the account
    (`records/accounts.py`), so what owners owe now is summed by the database instead of every account being
    settled again on each read; a charge paid in full has no row."""

    __tablename__ = "unpaid_charges"

    case_number: str = Field(foreign_key="cases.case_number", primary_key=True, max_length=16)
    event_key: str = Field(primary_key=True, max_length=64)
    line: int = Field(primary_key=True)
    entry_type: str = Field(max_length=24)
    owed: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))
    due_at: datetime | None = _utc_column()
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Lien(SQLModel, table=True):
    __tablename__ = "liens"
    __table_args__ = (Index("ix_liens_filed_at", "filed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    case_number: str = Field(foreign_key="cases.case_number", index=True)
    reference: str = Field(unique=True, max_length=100)
    amount: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))
    filed_at: datetime | None = _utc_column(nullable=False, server_now=True)
    # Finance's part: certified for the tax roll, sent in a transmittal file (records/tax_roll.py); once paid in
    # full it is released, and the release goes in the next file.
    certified_at: datetime | None = _utc_column()
    released_at: datetime | None = _utc_column()
    transmittal_id: int | None = Field(default=None, foreign_key="tax_roll_transmittals.id")
    release_transmittal_id: int | None = Field(default=None, foreign_key="tax_roll_transmittals.id")


class TaxRollTransmittal(SQLModel, table=True):
    """One tax-roll file per period, made once and kept with its hash (domain/tax_roll.py has its layout)."""

    __tablename__ = "tax_roll_transmittals"

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(unique=True, max_length=7)
    path: str
    sha256: str = Field(max_length=64)
    lines: int
    created_at: datetime | None = _utc_column(nullable=False, server_now=True)


class Hearing(SQLModel, table=True):
    """The hearing calendar: one row per hearing workflow, kept current as it is scheduled and decided."""

    __tablename__ = "hearings"
    __table_args__ = (Index("ix_hearings_scheduled_for", "scheduled_for"),)

    workflow_id: str = Field(primary_key=True, max_length=64)
    case_number: str = Field(foreign_key="cases.case_number", index=True)
    kind: str = Field(max_length=16)
    scheduled_for: datetime | None = _utc_column()
    location: str | None = None
    decision: str | None = Field(default=None, max_length=16)


class CourtAppearance(SQLModel, table=True):
    """A court date on the hearing calendar: a prosecution called in court, or a Part I ticket's meeting or trial.
    One row per date the case names (`key`), so a retried write is the same row."""

    __tablename__ = "court_dates"
    __table_args__ = (
        UniqueConstraint("case_number", "key", name="uq_court_dates_case_key"),
        Index("ix_court_dates_at", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_number: str = Field(foreign_key="cases.case_number", index=True)
    key: str = Field(max_length=24)
    at: datetime = _utc_column(nullable=False)
    title: str = Field(max_length=300)
    purpose: str = Field(max_length=100)
    location: str = Field(max_length=200)


class Alert(SQLModel, table=True):
    """Something a person must look at: an overdue step, a missed deadline, a digest."""

    __tablename__ = "alerts"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=120)
    case_number: str | None = Field(default=None, foreign_key="cases.case_number", index=True)
    audience: str = Field(max_length=32, index=True)
    # What happened, for the notifications page's filter: the timeline event's kind, a digest's kind, "stalled"…
    kind: str = Field(default="alert", max_length=40, sa_column_kwargs={"server_default": "alert"})
    message: str
    created_at: datetime | None = _utc_column(nullable=False, server_now=True)
    acknowledged_at: datetime | None = _utc_column()


class Notification(SQLModel, table=True):
    """An alert in one person's hands: filed when the alert is (domain/alerts.py `addressees`), read and
    acknowledged by them, and sent to them once, at once when urgent, else in their daily digest."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("alert_id", "user_id"),
        Index("ix_notifications_user_read", "user_id", "read_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alerts.id", index=True)
    user_id: int = Field(foreign_key="users.id")
    urgent: bool = False
    created_at: datetime | None = _utc_column(nullable=False, server_now=True)
    read_at: datetime | None = _utc_column()
    # The message that carried it (`messages.key`): set once it went at once or in a daily digest.
    sent_by: str | None = Field(default=None, max_length=120, index=True)


class Message(SQLModel, table=True):
    """Every message the city sends, once: the business key makes a retried send find the first one."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_created_at", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=120)
    # None for a message to staff about no one case (a digest).
    case_number: str | None = Field(default=None, foreign_key="cases.case_number", index=True)
    audience: str = Field(max_length=16)
    channel: str = Field(max_length=8)
    recipient: str
    subject: str = ""
    body: str
    backend: str = Field(max_length=16)
    status: str = Field(default="sending", max_length=16, index=True)
    provider_id: str | None = Field(default=None, max_length=100)
    error: str | None = None
    created_at: datetime | None = _utc_column(nullable=False, server_now=True)
    sent_at: datetime | None = _utc_column()


class SmsOptOut(SQLModel, table=True):
    """A phone number that texted STOP: no SMS goes to it until it texts START (carrier rules)."""

    __tablename__ = "sms_opt_outs"

    phone: str = Field(primary_key=True, max_length=32)
    opted_out_at: datetime | None = _utc_column(nullable=False, server_now=True)
