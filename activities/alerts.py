"""Composes the scheduled digests from the case projection and files each as one row of the alerts table.

Idempotent by the alert key (one per kind and city day): a retried activity, or a second run of the same
day's schedule, finds the row already there and writes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select
from temporalio import activity

from domain.digests import AUDIENCE, DigestCase, DigestRequest, DigestResult, OfficerWeek
from domain.policy import Category
from domain.stages import CaseStage
from records.db import SessionFactory, transaction
from records.notifications import file_alert
from records.tables import Alert, Case, CaseEvent, Officer

WEEK = timedelta(days=7)


class AlertActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn(name="compose_digest")
    def compose_digest(self, request: DigestRequest) -> DigestResult:
        with transaction(self._sessions) as session:
            if request.kind == "daily_category_i":
                result = _daily_category_i(session, request)
            else:
                result = _weekly_status(session, request)
            stored = session.exec(select(Alert).where(Alert.key == request.key)).first()
            if stored is not None:
                return result.model_copy(update={"written": False, "message": stored.message})
        try:
            with transaction(self._sessions) as session:
                alert = Alert(
                    key=request.key, audience=AUDIENCE[request.kind], kind=request.kind, message=result.message
                )
                file_alert(session, alert)
        except IntegrityError:
            # Another run of the same digest wrote it between our read and our write: theirs stands.
            with self._sessions() as session:
                stored = session.exec(select(Alert).where(Alert.key == request.key)).one()
            return result.model_copy(update={"written": False, "message": stored.message})
        return result


def _open() -> ColumnElement[bool]:
    return col(Case.stage) != CaseStage.CLOSED.value


def _daily_category_i(session: Session, request: DigestRequest) -> DigestResult:
    rows = session.exec(
        select(Case, Officer)
        .join(Officer, col(Case.assigned_officer_id) == col(Officer.id), isouter=True)
        .where(col(Case.category) == Category.I.value, _open())
    ).all()
    cases = [
        DigestCase(
            case_number=case.case_number,
            violation_code=case.violation_code,
            stage=case.stage,
            next_deadline=case.next_deadline,
            overdue=case.overdue,
            officer=f"{officer.name} ({officer.badge})" if officer is not None else None,
        )
        for case, officer in rows
    ]
    # Overdue first, then the nearest deadline; cases without a deadline last.
    cases.sort(key=lambda c: (not c.overdue, c.next_deadline is None, c.next_deadline or request.as_of, c.case_number))
    overdue = sum(c.overdue for c in cases)
    zone = ZoneInfo(request.time_zone)
    lines = [
        f"Open Category I (life-safety) cases as of {_when(request.as_of, zone)}: {len(cases)} open, {overdue} overdue.",
        "",
    ]
    lines += [_case_line(c, zone) for c in cases] or ["No open Category I cases."]
    return DigestResult(
        kind=request.kind,
        key=request.key,
        as_of=request.as_of,
        written=True,
        message="\n".join(lines),
        open_cases=len(cases),
        overdue=overdue,
        cases=cases,
    )


def _weekly_status(session: Session, request: DigestRequest) -> DigestResult:
    end, start = request.as_of, request.as_of - WEEK
    opened = session.exec(
        select(func.count()).select_from(Case).where(col(Case.opened_at) >= start, col(Case.opened_at) < end)
    ).one()
    closed = session.exec(
        select(func.count()).select_from(Case).where(col(Case.closed_at) >= start, col(Case.closed_at) < end)
    ).one()
    by_stage = dict(session.exec(select(Case.stage, func.count()).where(_open()).group_by(col(Case.stage))).all())
    overdue = session.exec(select(func.count()).select_from(Case).where(_open(), col(Case.overdue))).one()
    # Money owed on any case, open or closed (a closed case can still carry an unpaid lien).
    balance = session.exec(select(func.sum(Case.balance)).where(col(Case.balance) > 0)).one()
    outstanding = Decimal(balance or 0).quantize(Decimal("0.01"))
    order = {stage.value: i for i, stage in enumerate(CaseStage)}
    open_by_stage = {stage: by_stage[stage] for stage in sorted(by_stage, key=lambda s: order.get(s, len(order)))}
    zone = ZoneInfo(request.time_zone)
    open_cases = sum(open_by_stage.values())
    lines = [
        f"Weekly status summary for the 7 days to {_when(end, zone)} (from {_when(start, zone)}).",
        "",
        f"Cases opened: {opened}",
        f"Cases closed: {closed}",
        f"Open cases: {open_cases} ({overdue} overdue)",
        *(f"  {_stage_label(stage)}: {count}" for stage, count in open_by_stage.items()),
        f"Outstanding balance: ${outstanding:,.2f}",
    ]
    officers = _officer_weeks(session, start, end)
    lines += ["", "By officer (cases worked this week · steps due next week · overdue):"]
    lines += [f"  {o.officer}: {o.cases_worked} · {o.due_next_week} · {o.overdue}" for o in officers] or ["  none"]
    return DigestResult(
        kind=request.kind,
        key=request.key,
        as_of=request.as_of,
        written=True,
        message="\n".join(lines),
        open_cases=open_cases,
        overdue=overdue,
        opened=opened,
        closed=closed,
        open_by_stage=open_by_stage,
        outstanding_balance=outstanding,
        officers=officers,
    )


def _officer_weeks(session: Session, start: datetime, end: datetime) -> list[OfficerWeek]:
    """Each active officer, and any other with cases: what they worked this week, what falls due next, what is late."""
    worked = dict(
        session.exec(
            select(Case.assigned_officer_id, func.count(func.distinct(Case.case_number)))
            .join(CaseEvent, col(CaseEvent.case_number) == Case.case_number)
            .where(col(CaseEvent.occurred_at) >= start, col(CaseEvent.occurred_at) < end)
            .group_by(col(Case.assigned_officer_id))
        ).all()
    )
    due = dict(
        session.exec(
            select(Case.assigned_officer_id, func.count())
            .where(_open(), col(Case.next_deadline) >= end, col(Case.next_deadline) < end + WEEK)
            .group_by(col(Case.assigned_officer_id))
        ).all()
    )
    late = dict(
        session.exec(
            select(Case.assigned_officer_id, func.count())
            .where(_open(), col(Case.overdue))
            .group_by(col(Case.assigned_officer_id))
        ).all()
    )
    busy = set(worked) | set(due) | set(late)
    officers = session.exec(select(Officer).order_by(col(Officer.badge))).all()
    return [
        OfficerWeek(
            officer=f"{officer.name} ({officer.badge})",
            cases_worked=worked.get(officer.id, 0),
            due_next_week=due.get(officer.id, 0),
            overdue=late.get(officer.id, 0),
        )
        for officer in officers
        if officer.active or officer.id in busy
    ]


def _when(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z")


def _stage_label(stage: str) -> str:
    try:
        return CaseStage(stage).label
    except ValueError:
        return stage


def _case_line(case: DigestCase, zone: ZoneInfo) -> str:
    due = f"next deadline {_when(case.next_deadline, zone)}" if case.next_deadline else "no deadline set"
    parts = [
        case.case_number,
        case.violation_code,
        _stage_label(case.stage),
        due + (" – OVERDUE" if case.overdue else ""),
        case.officer or "unassigned",
    ]
    return "- " + " · ".join(parts)
