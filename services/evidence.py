"""Evidence kept on a case: the file in the document store under its sha256, the row beside the case.

Photos and videos a person sends with a request (a resident's report, an owner's proof of compliance, an officer's
inspection) are stored by the API before any workflow hears of them, like the complaint itself.

A photo or a video is kept twice: the original, for the roles that may see complainants, and beside it a copy
without its metadata (`shareable_photo`; a video re-muxed without its tags), for everyone else: a resident's phone
writes its owner's name and the position of their home into every picture and clip. A video also gets a poster
frame for the gallery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from adapters.document_store import sha256_of, store_once
from adapters.video import VideoUnreadable, probe, store_poster_frame, store_without_metadata
from domain.evidence import (
    DOCUMENT_TYPES,
    EXTENSIONS,
    KEEPS_POSITION,
    PHOTO_TYPES,
    VIDEO_TYPES,
    CaptureMetadata,
    CaptureTimeSource,
    EvidenceRejected,
    EvidenceSource,
    accepted_media_type,
    read_photo_metadata,
    read_video_tags,
    shareable_photo,
)
from records.evidence import MAX_NAME_LENGTH, Evidence
from services.context import AppContext


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes
    device_time: datetime | None = None  # the phone's time for the file, a witness when the file says none


def _capture_metadata(
    path: Path, data: bytes, media_type: str, local_zone: ZoneInfo
) -> tuple[CaptureMetadata, CaptureTimeSource | None]:
    if media_type in PHOTO_TYPES:
        return read_photo_metadata(data, local_zone), CaptureTimeSource.EXIF
    if media_type in VIDEO_TYPES:
        return read_video_tags(probe(path).tags), CaptureTimeSource.VIDEO
    return CaptureMetadata(), None


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
    allowed: frozenset[str] = DOCUMENT_TYPES,
    device_time: datetime | None = None,
    device_position: tuple[float, float] | None = None,
) -> Evidence:
    """Keeps an upload on a case (EvidenceRejected, with the reason, if its content is not acceptable).

    The file's own time and position are recorded (a photo's EXIF, a video's tags); where it has none, the phone's
    file time and position at upload, saying which. The caller adds the row to its transaction, so a request that
    fails later stores no row (the file, named by its hash, is harmless and reused on retry).
    """
    media_type = accepted_media_type(data, allowed=allowed)
    digest = sha256_of(data)
    existing = session.exec(
        select(Evidence).where(Evidence.case_number == case_number, Evidence.sha256 == digest)
    ).first()
    if existing is not None:
        return existing
    relative = f"{case_number}/evidence/{digest}{EXTENSIONS[media_type]}"
    written = store_once(store_dir / relative, data, relative)
    try:
        metadata, time_source = _capture_metadata(store_dir / relative, data, media_type, local_zone)
    except VideoUnreadable as exc:
        if written:  # nothing of a refused upload stays
            (store_dir / relative).unlink()
        raise EvidenceRejected(str(exc)) from None
    if metadata.taken_at is None and device_time is not None:
        metadata, time_source = (
            CaptureMetadata(device_time, metadata.latitude, metadata.longitude),
            CaptureTimeSource.DEVICE,
        )
    if metadata.latitude is None and device_position is not None:
        metadata = CaptureMetadata(metadata.taken_at, *device_position)
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
        taken_at=metadata.taken_at,
        taken_at_source=time_source.value if time_source and metadata.taken_at else None,
        latitude=metadata.latitude,
        longitude=metadata.longitude,
        uploaded_by=uploaded_by,
    )
    session.add(evidence)
    session.flush()
    if media_type in PHOTO_TYPES | VIDEO_TYPES:
        shared_copy(store_dir, evidence)
    if media_type in VIDEO_TYPES:
        poster_frame(store_dir, evidence)
    return evidence


def _beside(evidence: Evidence, name: str) -> str:
    original = Path(evidence.path)
    return str(original.with_name(f"{original.stem}.{name}"))


def shared_copy(store_dir: Path, evidence: Evidence) -> Path:
    """The copy of a photo or video for readers who may not see who sent it, beside the original and named by its
    hash; made here for one kept before copies were, once (the store never replaces a file). A photo keeps its
    position when it is the officer's own evidence; a video keeps no tag at all (its row keeps the position)."""
    relative = _beside(evidence, f"shared{Path(evidence.path).suffix}")
    path = store_dir / relative
    if not path.is_file():
        original = store_dir / evidence.path
        if evidence.media_type in VIDEO_TYPES:
            store_without_metadata(original, path, relative)
        else:
            keep_position = EvidenceSource(evidence.source) in KEEPS_POSITION
            store_once(
                path, shareable_photo(original.read_bytes(), evidence.media_type, keep_position=keep_position), relative
            )
    return path


def poster_frame(store_dir: Path, evidence: Evidence) -> Path:
    """A video's first frame as a JPEG, for the gallery."""
    relative = _beside(evidence, "poster.jpg")
    path = store_dir / relative
    if not path.is_file():
        store_poster_frame(store_dir / evidence.path, path, relative)
    return path


def keep_uploads(
    session: Session,
    context: AppContext,
    case_number: str,
    uploads: list[Upload],
    source: EvidenceSource,
    uploaded_by: str,
    *,
    allowed: frozenset[str] = PHOTO_TYPES,
    device_position: tuple[float, float] | None = None,
) -> list[Evidence]:
    """Keeps every upload as internal evidence (public pages show none), or none: EvidenceRejected names the file
    refused. An upload sent before is the row it already has."""
    zone = ZoneInfo(context.policy.calendar.timezone)
    kept = []
    for upload in uploads:
        try:
            kept.append(
                store_evidence(
                    session,
                    context.settings.document_store_dir,
                    case_number=case_number,
                    data=upload.data,
                    original_name=upload.name,
                    source=source,
                    uploaded_by=uploaded_by,
                    local_zone=zone,
                    internal=True,
                    allowed=allowed,
                    device_time=upload.device_time,
                    device_position=device_position,
                )
            )
        except EvidenceRejected as exc:
            raise EvidenceRejected(f"{upload.name}: {exc}") from None
    return kept
