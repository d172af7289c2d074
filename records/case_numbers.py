"""The yearly case-number counters, and the alert for a case whose number Temporal already holds for another case.

A case number is its workflow's id. If the records database is restored from a backup while Temporal keeps its
state, the counter falls behind the numbers Temporal holds: the counter is moved past them at start-up, and a case
that still got a taken number is refused loudly (an urgent alert to the admins) rather than silently never run.
"""

from __future__ import annotations

from sqlmodel import Session, col, select, update

from domain.alerts import CASE_NUMBER_TAKEN, case_number_taken_message
from domain.case_numbers import format_case_number
from records.notifications import file_alert
from records.tables import Alert, Counter


def _counter_name(year: int) -> str:
    return f"case_number:{year}"


def next_case_number(session: Session, year: int) -> str:
    name = _counter_name(year)
    value = session.execute(
        update(Counter).where(col(Counter.name) == name).values(value=Counter.value + 1).returning(col(Counter.value))
    ).scalar_one_or_none()
    if value is None:
        session.add(Counter(name=name, value=1))
        session.flush()
        value = 1
    return format_case_number(year, value)


def last_case_sequence(session: Session, year: int) -> int:
    """The sequence of the year's last case number given out (0 before the first)."""
    counter = session.get(Counter, _counter_name(year))
    return counter.value if counter else 0


def move_case_numbers_past(session: Session, year: int, sequence: int) -> None:
    """The year's next case number comes after `sequence`; a counter already past it is left alone."""
    name = _counter_name(year)
    if session.get(Counter, name) is None:
        session.add(Counter(name=name, value=sequence))
        return
    session.execute(
        update(Counter).where(col(Counter.name) == name, col(Counter.value) < sequence).values(value=sequence)
    )


def alert_case_number_taken(session: Session, case_number: str) -> bool:
    """Files the admins' urgent alert, once per case; False when it had been filed before."""
    key = f"{CASE_NUMBER_TAKEN}:{case_number}"
    if session.exec(select(Alert.id).where(Alert.key == key)).first() is not None:
        return False
    alert = Alert(
        key=key,
        case_number=case_number,
        audience="admin",
        kind=CASE_NUMBER_TAKEN,
        message=case_number_taken_message(case_number),
    )
    file_alert(session, alert)
    return True
