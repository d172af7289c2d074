"""What staff enter for someone outside (an owner's call, a letter, a payment at the counter), kept on the case's
timeline as entered: who entered it, on whose behalf, how it reached the city and its facts. The workflow's own line
follows when the case hears of it; this one is the city's record of the entry itself, and the repeat rule reads it.
Like intake's first line (records/intake.py), it is written here, not by the workflow, which knows no staff names
for a signal."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete, select

from domain.actions import EarlierEntry
from domain.stages import CaseStage
from records.tables import Case, CaseEvent, User

ENTRY_KIND = "entered_{event}"


def staff_actor(user: User) -> str:
    """How the timeline names a member of staff (the workflow writes its lines the same way)."""
    return f"{user.username} ({user.role})"


def actor_names(session: Session) -> dict[str, str]:
    """Staff as people know them, by how the records name them: a timeline's actor ("supervisor (supervisor)") or
    a username (who issued a notice, who uploaded a photo), each "Teresa Alvarez, supervisor". What names a user
    no longer on file keeps its words."""
    names = {}
    for user in session.exec(select(User)):
        names[staff_actor(user)] = names[user.username] = f"{user.full_name}, {user.role.replace('_', ' ')}"
    return names


def earlier_entries(session: Session, case_number: str, since: datetime) -> list[EarlierEntry]:
    rows = session.exec(
        select(CaseEvent).where(
            CaseEvent.case_number == case_number,
            col(CaseEvent.kind).startswith("entered_"),
            col(CaseEvent.occurred_at) >= since,
        )
    )
    return [
        EarlierEntry(row.data["event"], row.data["body"], row.data["entered_by"], row.occurred_at)
        for row in rows
        if row.occurred_at is not None
    ]


def record_entry(
    session: Session, case: Case, event: str, body: dict[str, Any], user: User, summary: str, at: datetime
) -> str:
    """Writes the entry's line; returns its key (to take it back if the case cannot hear of it)."""
    key = f"entered-{uuid.uuid4().hex[:20]}"
    session.add(
        CaseEvent(
            case_number=case.case_number,
            key=key,
            kind=ENTRY_KIND.format(event=event),
            stage=CaseStage(case.stage),
            summary=summary,
            actor=staff_actor(user),
            data={"event": event, "body": body, "entered_by": user.full_name},
            occurred_at=at,
        )
    )
    return key


def withdraw_entry(session: Session, case_number: str, key: str) -> None:
    session.exec(delete(CaseEvent).where(col(CaseEvent.case_number) == case_number, col(CaseEvent.key) == key))
