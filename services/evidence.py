"""Photos a person sends with a request (a resident's report, an owner's proof of compliance), kept as evidence."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import Session

from domain.evidence import EvidenceSource
from records.evidence import store_evidence
from services.context import AppContext


def keep_photos(
    session: Session,
    context: AppContext,
    case_number: str,
    photos: list[tuple[str, bytes]],
    source: EvidenceSource,
    uploaded_by: str,
) -> list[str]:
    """Stores already-checked photos as internal evidence (public pages show no photos); their references."""
    zone = ZoneInfo(context.policy.calendar.timezone)
    kept = [
        store_evidence(
            session,
            context.settings.document_store_dir,
            case_number=case_number,
            data=data,
            original_name=name,
            source=source,
            uploaded_by=uploaded_by,
            local_zone=zone,
            internal=True,
            photos_only=True,
        )
        for name, data in photos
    ]
    return [f"evidence:{e.id}" for e in kept]
