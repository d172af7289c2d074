"""Evidence kept on a case: the file in the document store under its sha256, the row beside the case.

Photos a person sends with a request (a resident's report, an owner's proof of compliance, an officer's inspection)
are stored by the API before any workflow hears of them, like the complaint itself.

A photo is kept twice: the original, for the roles that may see complainants, and beside it a copy without its
EXIF (`shareable_photo`), for everyone else: a resident's phone writes its owner's name and the position of their
home into every picture.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from adapters.document_store import sha256_of, store_once
from domain.evidence import (
    EXTENSIONS,
    KEEPS_POSITION,
    PHOTO_TYPES,
    CaptureTimeSource,
    EvidenceSource,
    accepted_media_type,
    read_photo_metadata,
    shareable_photo,
)
from records.evidence import MAX_NAME_LENGTH, Evidence
from services.context import AppContext


def store_evidence(
    session: Session,
    store_dir: Path,
    *,
    case_number: str,
    data: bytes,
    original_name: str,
    source: EvidenceSource,
    uploaded_by: str,
    local_zone: ZoneInfo,
    internal: bool = True,
    caption: str | None = None,
    photos_only: bool = False,
) -> Evidence:
    """Keeps an upload on a case (EvidenceRejected, with the reason, if its content is not acceptable).

    The photo's own EXIF time and position are recorded; the caller adds the row to its transaction, so a
    request that fails later stores no row (the file, named by its hash, is harmless and reused on retry).
    """
    media_type = accepted_media_type(data, photos_only=photos_only)
    digest = sha256_of(data)
    existing = session.exec(
        select(Evidence).where(Evidence.case_number == case_number, Evidence.sha256 == digest)
    ).first()
    if existing is not None:
        return existing
    relative = f"{case_number}/evidence/{digest}{EXTENSIONS[media_type]}"
    store_once(store_dir / relative, data, relative)
    metadata = read_photo_metadata(data, local_zone) if media_type in PHOTO_TYPES else None
    evidence = Evidence(
        case_number=case_number,
        sha256=digest,
        media_type=media_type,
        size=len(data),
        path=relative,
        original_name=original_name[:MAX_NAME_LENGTH] or "upload",
        source=source.value,
        internal=internal,
        caption=caption,
        taken_at=metadata.taken_at if metadata else None,
        taken_at_source=CaptureTimeSource.EXIF.value if metadata and metadata.taken_at else None,
        latitude=metadata.latitude if metadata else None,
        longitude=metadata.longitude if metadata else None,
        uploaded_by=uploaded_by,
    )
    session.add(evidence)
    session.flush()
    if media_type in PHOTO_TYPES:
        shared_photo(store_dir, evidence)
    return evidence


def shared_photo(store_dir: Path, evidence: Evidence) -> Path:
    """The copy of a photo for readers who may not see who sent it, beside the original and named by its hash;
    made here for a photo kept before copies were, once (the store never replaces a file)."""
    original = Path(evidence.path)
    relative = str(original.with_name(f"{original.stem}.shared{original.suffix}"))
    path = store_dir / relative
    if not path.is_file():
        keep_position = EvidenceSource(evidence.source) in KEEPS_POSITION
        copy = shareable_photo(
            (store_dir / evidence.path).read_bytes(), evidence.media_type, keep_position=keep_position
        )
        store_once(path, copy, relative)
    return path


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
