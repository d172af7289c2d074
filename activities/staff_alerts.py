"""Alerts reach people: stalled cases are alarmed, urgent alerts and digests go at once, the rest in a daily digest.

Every message goes through the messaging activities' exactly-once sender. A notification is claimed for its
message (`sent_by`, the message's business key) in the same transaction that finds it, before anything is sent,
so a retry (or a worker killed mid-round) sends the same message under the same key, which the sender sends once.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.messaging import MessagingActivities
from adapters.senders import ProviderDeclined
from domain.alerts import REPLY_OVERDUE, STALLED, AlertChannel, AlertRound, stall
from domain.digests import TITLES
from domain.messages import LEFT_US, MessageChannel, MessageReceipt
from domain.stages import CaseStage
from records.communications import replies_overdue
from records.db import SessionFactory, transaction
from records.notifications import file_alert
from records.tables import Alert, Case, CaseEvent, Message, Notification, Officer, User

NOT_SENT = "console-only"  # `sent_by` of a notification its reader asked to see only in the console
FINISHED = LEFT_US | {"opted_out"}  # a message in one of these states is not sent again


class StaffAlertActivities:
    def __init__(self, sessions: SessionFactory, messaging: MessagingActivities, console_url: str = "") -> None:
        self._sessions = sessions
        self._messaging = messaging
        self._console = console_url.rstrip("/")

    @activity.defn(name="file_stalled_cases")
    def file_stalled_cases(self, round_: AlertRound) -> list[str]:
        """Alarms the officer and the supervisor of each stalled open case, once per period (the alert's key)."""
        filed = []
        with transaction(self._sessions) as session:
            last_event = func.max(col(CaseEvent.occurred_at))
            rows = session.exec(
                select(Case, Officer.badge, last_event)
                .join(CaseEvent, col(CaseEvent.case_number) == Case.case_number)
                .join(Officer, col(Officer.id) == Case.assigned_officer_id, isouter=True)
                .where(col(Case.stage) != CaseStage.CLOSED.value)
                .group_by(col(Case.case_number), col(Officer.badge))
            ).all()
            for case, badge, last_activity in rows:
                stalled = stall(
                    last_activity=last_activity or case.opened_at,
                    step_due_at=case.next_deadline,
                    overdue=case.overdue,
                    now=round_.as_of,
                    quiet_days=round_.stalled_after_days,
                    past_due_days=round_.stalled_past_due_days,
                )
                if stalled is None:
                    continue
                for who, audience in (("officer", badge), ("supervisor", "supervisor")):
                    key = f"{case.case_number}:stalled:{stalled.period}:{who}"
                    if audience is None or session.exec(select(Alert.id).where(Alert.key == key)).first():
                        continue
                    message = f"{case.case_number} has stalled: {stalled.reason}"
                    alert = Alert(
                        key=key, case_number=case.case_number, audience=audience, kind=STALLED, message=message
                    )
                    file_alert(session, alert, stage=case.stage)
                    filed.append(key)
        return filed

    @activity.defn(name="file_overdue_replies")
    def file_overdue_replies(self, round_: AlertRound) -> list[str]:
        """A resident's e-mail, text or call still unanswered at the close of the next business day alarms the
        case's officer and the supervisor (an unmatched one in the inbox, the supervisors), once each."""
        filed = []
        with transaction(self._sessions) as session:
            for line, case in replies_overdue(session, round_.as_of):
                officer = session.get(Officer, case.assigned_officer_id) if case and case.assigned_officer_id else None
                where = case.case_number if case else "The unmatched inbox"
                due = f"{line.reply_due_at.astimezone(ZoneInfo(round_.time_zone)):%a %d %b %H:%M}"  # type: ignore[union-attr]
                message = f"{where}: the {line.party}'s {line.channel} needed a reply by {due}; none has been sent"
                for who, audience in (("officer", officer.badge if officer else None), ("supervisor", "supervisor")):
                    key = f"reply-overdue:{line.id}:{who}"
                    if audience is None or session.exec(select(Alert.id).where(Alert.key == key)).first():
                        continue
                    alert = Alert(
                        key=key,
                        case_number=case.case_number if case else None,
                        audience=audience,
                        kind=REPLY_OVERDUE,
                        message=message,
                    )
                    file_alert(session, alert, stage=case.stage if case else None)
                    filed.append(key)
        return filed

    @activity.defn(name="send_urgent_alerts")
    def send_urgent_alerts(self) -> list[MessageReceipt]:
        """Each urgent notification not yet sent, by its reader's channel (a digest always by e-mail)."""
        with transaction(self._sessions) as session:
            pending = session.exec(
                select(Notification, Alert, User)
                .join(Alert, col(Alert.id) == Notification.alert_id)
                .join(User, col(User.id) == Notification.user_id)
                .where(col(Notification.urgent), _not_yet_sent())
                .order_by(col(Notification.id))
            ).all()
            outgoing = []
            for notification, alert, user in pending:
                channel = MessageChannel.EMAIL if alert.kind in TITLES else _channel(user)
                to = _address(user, channel)
                notification.sent_by = notification.sent_by or (f"staff-alert-{notification.id}" if to else NOT_SENT)
                session.add(notification)
                if channel is not None and to:
                    outgoing.append((notification.sent_by, alert, channel, to))
        receipts = []
        for key, alert, channel, to in outgoing:
            subject = TITLES.get(alert.kind) or f"Alert: {alert.message}"
            receipt = self._send(
                key, alert.case_number, channel, to, subject, self._body(alert.message, alert.case_number)
            )
            receipts.append(receipt)
        return receipts

    @activity.defn(name="send_daily_alert_digests")
    def send_daily_alert_digests(self, round_: AlertRound) -> list[MessageReceipt]:
        """Once a city day, from the digest hour: each person who asked for it gets their other alerts in one e-mail."""
        if not round_.digest_due:
            return []
        receipts = []
        with self._sessions() as session:
            readers = session.exec(
                select(User).where(col(User.active), col(User.daily_digest), col(User.email).is_not(None))
            ).all()
        for reader in readers:
            key = f"staff-digest-{reader.username}-{round_.local_day}"
            with transaction(self._sessions) as session:
                lines = _claimed(session, reader, key)
            if lines and reader.email:
                subject = f"Your alerts for {round_.local_day}: {len(lines)}"
                body = self._body("\n".join(f"- {line}" for line in lines), None)
                receipts.append(self._send(key, None, MessageChannel.EMAIL, reader.email, subject, body))
        return receipts

    def _send(
        self, key: str, case_number: str | None, channel: MessageChannel, to: str, subject: str, body: str
    ) -> MessageReceipt:
        try:
            return self._messaging.to_staff(key, case_number, channel, to, subject, body)
        except ProviderDeclined:
            # Not now (an outage, a refused key): the notification stays claimed and unsent, so the next round
            # sends it under the same key; the others, perhaps by the other provider, still go now.
            return MessageReceipt(key=key, channel=channel, backend="none", status="held")
        except ApplicationError as refused:
            if not refused.non_retryable:
                raise
            # The provider refused this address for good: the message's row says so, and the alert stays unread
            # in the console; the others still go.
            return MessageReceipt(key=key, channel=channel, backend="none", status="failed")

    def _body(self, text: str, case_number: str | None) -> str:
        where = f"{self._console}/cases/{case_number}" if case_number else f"{self._console}/notifications"
        return f"{text}\n\nOpen it in the console: {where}\n"


def _not_yet_sent() -> ColumnElement[bool]:
    """Unclaimed, or claimed by a round that died before its message left us (the retry sends it, under its key)."""
    finished = select(Message.key).where(col(Message.status).in_(FINISHED))
    claimed = col(Notification.sent_by)
    return or_(claimed.is_(None), and_(claimed != NOT_SENT, claimed.not_in(finished)))


def _channel(user: User) -> MessageChannel | None:
    chosen = AlertChannel(user.alert_channel)
    return None if chosen is AlertChannel.NONE else MessageChannel(chosen.value)


def _address(user: User, channel: MessageChannel | None) -> str | None:
    if channel is MessageChannel.EMAIL:
        return user.email
    if channel is MessageChannel.SMS:
        return user.phone
    return None


def _claimed(session: Session, reader: User, key: str) -> list[str]:
    """The reader's unsent, not urgent notifications, claimed for today's digest unless it already went (then the
    newer ones wait for tomorrow's); the lines of those claimed under `key`."""
    if session.exec(select(Notification.id).where(Notification.sent_by == key)).first() is None:
        for notification in session.exec(
            select(Notification).where(
                Notification.user_id == reader.id,
                col(Notification.sent_by).is_(None),
                col(Notification.urgent).is_(False),
            )
        ):
            notification.sent_by = key
            session.add(notification)
        session.flush()
    alerts = session.exec(
        select(Alert)
        .join(Notification, col(Notification.alert_id) == Alert.id)
        .where(Notification.sent_by == key)
        .order_by(col(Alert.created_at), col(Alert.id))
    )
    return [alert.message for alert in alerts]
