"""Evidence: what may be uploaded, and what a photo or a video says about when and where it was taken.

Uploads are judged by their bytes, never by their name or declared type: a script renamed `photo.jpg`
is refused. A photo's time and position are read from its EXIF, a video's from its container's tags (read by
ffprobe, `adapters/video.py`), because an officer's claim "inspected on the 3rd" is only as good as the
camera's record (audits found inspection dates back-filled).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from zoneinfo import ZoneInfo

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_EVIDENCE_BYTES = 15 * 1024 * 1024  # a 48-megapixel phone JPEG is about 12 MB
# About a minute of a phone's 1080p video: a clip of what is wrong, not a walk around the block.
MAX_VIDEO_BYTES = 100 * 1024 * 1024

# Magic numbers of the formats we keep: photos from phones and cameras, and PDFs (letters, receipts).
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"%PDF-", 0, "application/pdf"),
)
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
}
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime"})
FIELD_TYPES = PHOTO_TYPES | VIDEO_TYPES  # what an officer brings back from a visit
DOCUMENT_TYPES = PHOTO_TYPES | {"application/pdf"}  # evidence in general: photos, letters, receipts
_KINDS = (
    (PHOTO_TYPES, "JPEG, PNG or WebP photos"),
    (VIDEO_TYPES, "MP4 or MOV videos"),
    (frozenset({"application/pdf"}), "PDF files"),
)
# ISO base media files (MP4, MOV) begin with an `ftyp` box naming a brand; these brands are still pictures.
_PICTURE_BRANDS = frozenset({b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis"})


class EvidenceSource(StrEnum):
    INSPECTION = "inspection"
    REINSPECTION = "reinspection"
    POSTING = "posting"  # the notice posted at the property, photographed where it hangs
    PORTAL_REPORT = "portal_report"  # a resident's photo with a complaint
    OWNER_COMPLIANCE = "owner_compliance"  # the owner's photo of the work done
    OWNER_CORRESPONDENCE = "owner_correspondence"  # attached to an e-mail from the owner of record
    CORRESPONDENCE = "correspondence"  # attached to an e-mail from anyone else: perhaps a complainant, so withheld


# An officer's own photos keep their position in the copy staff and letters see: where the property was
# photographed is part of the evidence. A resident's or an owner's photo may be taken from their own home.
KEEPS_POSITION = frozenset({EvidenceSource.INSPECTION, EvidenceSource.REINSPECTION, EvidenceSource.POSTING})


class EvidenceRejected(ValueError):
    """An upload we do not keep; the message says why, for the person who sent it."""


class CaptureTimeSource(StrEnum):
    """Where a photo's capture time came from, shown beside the time: they are not equally good witnesses."""

    EXIF = "exif"  # written into the photo by the camera
    VIDEO = "video"  # written into the video's container by the camera
    DEVICE = "device"  # the phone's time for the file (File.lastModified), sent by the browser with the upload

    @property
    def label(self) -> str:
        return {
            CaptureTimeSource.EXIF: "from the photo's EXIF",
            CaptureTimeSource.VIDEO: "from the video's own record",
        }.get(self, "from the phone's file time")


# A phone's clock may run a little ahead of the server's; a file time further ahead is not a capture time.
DEVICE_CLOCK_SKEW = timedelta(minutes=10)


def device_capture_time(milliseconds: str, now: datetime) -> datetime | None:
    """The browser's file time (milliseconds since the epoch) as a capture time, or None when it cannot be one:
    unreadable, or later than now give or take a phone's clock skew."""
    try:
        moment = datetime.fromtimestamp(int(milliseconds) / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return moment if moment <= now + DEVICE_CLOCK_SKEW else None


@dataclass(frozen=True)
class CaptureMetadata:
    """When and where a photo or a video was taken, as the file itself says."""

    taken_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None


def sniff_media_type(data: bytes) -> str | None:
    for magic, offset, media_type in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] not in _PICTURE_BRANDS:
        return "video/quicktime" if data[8:12] == b"qt  " else "video/mp4"
    return None


def accepted_media_type(data: bytes, *, allowed: frozenset[str] = DOCUMENT_TYPES) -> str:
    """The media type of an upload we keep, or EvidenceRejected saying what is accepted."""
    if not data:
        raise EvidenceRejected("the file is empty")
    media_type = sniff_media_type(data)
    if media_type in VIDEO_TYPES and media_type in allowed:
        if len(data) > MAX_VIDEO_BYTES:
            raise EvidenceRejected(
                f"the video is larger than {MAX_VIDEO_BYTES // 2**20} MB, the limit for a video: record a shorter "
                "clip, or send it in parts"
            )
        return media_type
    if len(data) > MAX_EVIDENCE_BYTES:
        raise EvidenceRejected(f"the file is {len(data):,} bytes; the limit is {MAX_EVIDENCE_BYTES:,}")
    if media_type not in allowed:
        kinds = " and ".join(words for types, words in _KINDS if types & allowed)
        raise EvidenceRejected(f"only {kinds} are accepted (the content is not one of them, whatever its name)")
    if media_type in PHOTO_TYPES:
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise EvidenceRejected(f"the photo is damaged or incomplete ({exc})") from None
    return media_type


# EXIF tags (CIPA DC-008): IFD pointers, DateTimeOriginal, OffsetTimeOriginal and the GPS fields.
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME_ORIGINAL, _OFFSET_TIME_ORIGINAL, _DATETIME = 0x9003, 0x9011, 0x0132
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4


def read_photo_metadata(data: bytes, local_zone: ZoneInfo) -> CaptureMetadata:
    """Time and position from a photo's EXIF. A camera clock without an offset is read in the city's zone."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
    except (UnidentifiedImageError, OSError):
        return CaptureMetadata()
    details = exif.get_ifd(_EXIF_IFD)
    taken_at = _exif_time(
        details.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME), details.get(_OFFSET_TIME_ORIGINAL), local_zone
    )
    gps = exif.get_ifd(_GPS_IFD)
    latitude = _degrees(gps.get(_GPS_LAT), gps.get(_GPS_LAT_REF), negative="S")
    longitude = _degrees(gps.get(_GPS_LON), gps.get(_GPS_LON_REF), negative="W")
    return CaptureMetadata(taken_at=taken_at, latitude=latitude, longitude=longitude)


def _exif_time(value: object, offset: object, local_zone: ZoneInfo) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        naive = datetime.strptime(value.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if isinstance(offset, str) and len(offset) >= 6 and offset[0] in "+-":
        try:
            hours, minutes = int(offset[1:3]), int(offset[4:6])
        except ValueError:
            return naive.replace(tzinfo=local_zone)
        sign = -1 if offset[0] == "-" else 1
        return naive.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))
    return naive.replace(tzinfo=local_zone)


def _degrees(value: object, reference: object, *, negative: str) -> float | None:
    if not isinstance(value, tuple) or len(value) != 3:
        return None
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = degrees + minutes / 60 + seconds / 3600
    return -result if reference == negative else result


# ISO 6709 as phones write it in a video: "+45.4215-075.6972+070.000/" (latitude, longitude, altitude, in degrees).
_ISO6709 = re.compile(r"^([+-]\d{1,2}(?:\.\d+)?)([+-]\d{1,3}(?:\.\d+)?)")
# A container's time of zero (1904 for QuickTime, 1970 for others) is a camera that did not say.
_EARLIEST_CAPTURE = datetime(1990, 1, 1, tzinfo=UTC)


def read_video_tags(tags: Mapping[str, str]) -> CaptureMetadata:
    """Time and position from a video container's tags, as ffprobe lists them: Apple's creation date (the local
    time with its offset) before `creation_time` (UTC, when the file was written), and Apple's ISO 6709 position
    before the `location` Android and ffmpeg write."""
    taken_at = None
    for key in ("com.apple.quicktime.creationdate", "creation_time"):
        try:
            moment = datetime.fromisoformat(tags.get(key, ""))
        except ValueError:
            continue
        if moment.tzinfo is not None and moment >= _EARLIEST_CAPTURE:
            taken_at = moment
            break
    latitude = longitude = None
    for key in ("com.apple.quicktime.location.ISO6709", "location", "location-eng"):
        match = _ISO6709.match(tags.get(key, ""))
        if match and abs(float(match[1])) <= 90 and abs(float(match[2])) <= 180:
            latitude, longitude = float(match[1]), float(match[2])
            break
    return CaptureMetadata(taken_at=taken_at, latitude=latitude, longitude=longitude)


_PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


def shareable_photo(data: bytes, media_type: str, *, keep_position: bool) -> bytes:
    """The photo without its EXIF (a phone writes its owner's name, contacts and camera into it), upright as it was
    shown, and with its GPS position only when `keep_position`: the copy for readers who may not see who sent it."""
    with Image.open(io.BytesIO(data)) as original:
        position = original.getexif().get_ifd(_GPS_IFD) if keep_position else {}
        image = ImageOps.exif_transpose(original)
    kept = Image.Exif()
    if position:
        kept.get_ifd(_GPS_IFD).update(position)
    buffer = io.BytesIO()
    image.save(
        buffer, _PILLOW_FORMATS[media_type], exif=kept, **({"quality": 95} if media_type == "image/jpeg" else {})
    )
    return buffer.getvalue()
