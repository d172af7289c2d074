"""Alerts in people's hands: filing an alert with its notifications, the unread count, the notifications page,
acknowledging, and the stored digests.

Every writer of an alert (the case's records activity, the digests, stalled cases, the webhooks) files it with
`file_alert`, so each reaches the people `domain.alerts.addressees` names, in the same transaction as the alert.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from domain.access import Role
from domain.alerts import STALLED, StaffMember, addressees, urgent
from records.tables import Alert, Case, Notification, Officer, User

DIGEST_KEY_PREFIX = "digest:"


def staff_directory(session: Session) -> list[StaffMember]:
    rows = session.exec(select(User, Officer.badge).join(Officer, col(Officer.user_id) == User.id, isouter=True))
    return [StaffMember(user.username, user.role, user.active, badge) for user, badge in rows]


def file_alert(session: Session, alert: Alert, *, stage: str | None = None) -> Alert:
    """Adds the alert and one notification for each person it is addressed to (`stage`: the case's stage when
    the alert was raised, which decides whether a missed step is a missed response target)."""
    session.add(alert)
    session.flush()
    assert alert.id is not None
    case = session.get(Case, alert.case_number) if alert.case_number else None
    at_once = urgent(kind=alert.kind, stage=stage, category=case.category if case else None)
    usernames = addressees(alert.audience, staff_directory(session))
    for user_id in session.exec(select(User.id).where(col(User.username).in_(usernames))):
        assert user_id is not None
        session.add(Notification(alert_id=alert.id, user_id=user_id, urgent=at_once))
    return alert


def unread_count(session: Session, user_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, col(Notification.read_at).is_(None))
    ).one()


@dataclass(frozen=True)
class NotificationLine:
    notification: Notification
    alert: Alert
    addressee: User


@dataclass(frozen=True)
class NotificationFilter:
    kind: str | None = None
    case_number: str | None = None
    unread_only: bool = False
    team: bool = False  # a supervisor's view of the officers' notifications as well as their own


LIMIT = 200


def notifications_for(session: Session, reader: User, wanted: NotificationFilter) -> list[NotificationLine]:
    """Newest first. A supervisor asking for the team sees the officers' notifications beside their own."""
    readers = select(User.id).where(User.id == reader.id)
    if wanted.team and reader.role == Role.SUPERVISOR:
        readers = select(User.id).where(or_(col(User.id) == reader.id, col(User.role) == Role.OFFICER.value))
    statement = (
        select(Notification, Alert, User)
        .join(Alert, col(Alert.id) == Notification.alert_id)
        .join(User, col(User.id) == Notification.user_id)
        .where(col(Notification.user_id).in_(readers))
    )
    if wanted.kind:
        statement = statement.where(Alert.kind == wanted.kind)
    if wanted.case_number:
        statement = statement.where(Alert.case_number == wanted.case_number)
    if wanted.unread_only:
        statement = statement.where(col(Notification.read_at).is_(None))
    statement = statement.order_by(col(Notification.created_at).desc(), col(Notification.id).desc()).limit(LIMIT)
    return [NotificationLine(n, a, u) for n, a, u in session.exec(statement)]


def alert_kinds(session: Session, user_id: int) -> list[str]:
    return sorted(
        session.exec(
            select(Alert.kind)
            .join(Notification, col(Notification.alert_id) == Alert.id)
            .where(Notification.user_id == user_id)
            .distinct()
        )
    )


def acknowledge(session: Session, reader: User, notification_ids: Iterable[int]) -> int:
    """Marks the reader's own notifications read (another person's are theirs to acknowledge); how many changed."""
    result = session.execute(
        update(Notification)
        .where(
            col(Notification.id).in_(list(notification_ids)),
            col(Notification.user_id) == reader.id,
            col(Notification.read_at).is_(None),
        )
        .values(read_at=datetime.now(UTC))
    )
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def digests(session: Session, kind: str | None = None, limit: int = 60) -> list[Alert]:
    """The digests on file, newest first (each firing's row is kept: the history the program manager reads)."""
    statement = select(Alert).where(col(Alert.key).startswith(DIGEST_KEY_PREFIX))
    if kind:
        statement = statement.where(Alert.kind == kind)
    return list(session.exec(statement.order_by(col(Alert.created_at).desc(), col(Alert.id).desc()).limit(limit)))


def unacknowledged_stalls() -> Any:
    """The cases with a stalled-case alarm someone it reached has not yet acknowledged (the supervisor queue's)."""
    unread = select(Notification.alert_id).where(col(Notification.read_at).is_(None))
    return select(Alert.case_number).where(Alert.kind == STALLED, col(Alert.id).in_(unread))
