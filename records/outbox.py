"""Every message the city sent (or, in dev mode, would have sent): the `messages` table, newest first."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from records.tables import CaseNotice, Message

PAGE_SIZE = 50
# A notice served by e-mail is sent under the key `<case>:notice-<seq>:email` (workflows/case/notices.py), its letter attached.
_NOTICE_KEY = re.compile(r"^(?P<case>[^:]+):notice-(?P<seq>\d+):email$")


@dataclass(frozen=True)
class OutboxPage:
    messages: list[Message]
    attachments: dict[int, CaseNotice]
    total: int
    page: int
    pages: int


def attached_notice(session: Session, message: Message) -> CaseNotice | None:
    """The served notice whose letter went with this message, if it carried one."""
    match = _NOTICE_KEY.match(message.key)
    if match is None:
        return None
    return session.exec(
        select(CaseNotice).where(
            CaseNotice.case_number == match["case"],
            CaseNotice.seq == int(match["seq"]),
            col(CaseNotice.document_path).is_not(None),
        )
    ).first()


def outbox_page(session: Session, page: int) -> OutboxPage:
    total = session.exec(select(func.count()).select_from(Message)).one()
    messages = list(
        session.exec(
            select(Message)
            .order_by(col(Message.created_at).desc(), col(Message.id).desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    attachments = {m.id: notice for m in messages if m.id is not None and (notice := attached_notice(session, m))}
    return OutboxPage(messages, attachments, total, page, max(1, math.ceil(total / PAGE_SIZE)))
