"""Where a case stands. The workflow owns the stage; the projection, search attributes and UI mirror it."""

from enum import StrEnum


class CaseStage(StrEnum):
    RECEIVED = "received"
    INVESTIGATING = "investigating"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    CaseStage.RECEIVED: "Received – awaiting triage",
    CaseStage.INVESTIGATING: "Case opened – inspection",
    CaseStage.CLOSED: "Closed",
}


class Channel(StrEnum):
    """How a complaint reached the city (San Diego's case sources, in our words)."""

    PHONE = "phone"
    WALK_IN = "walk_in"
    EMAIL = "email"
    PORTAL = "portal"
    COUNCIL = "council"
    OPEN311 = "open311"
    OFFICER = "officer"
