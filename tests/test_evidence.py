"""Evidence uploads: judged by content, stored once under their hash, with the photo's own time and place."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlmodel import select

from domain.evidence import MAX_EVIDENCE_BYTES, EvidenceRejected, EvidenceSource, read_photo_metadata, shareable_photo
from domain.policy import Policy
from records.db import make_engine, session_factory, transaction
from records.evidence import Evidence, evidence_of
from services.evidence import store_evidence
from tests.helpers import file_case


def photo(color: str = "green", *, taken: str | None = None, offset: str | None = None, gps: bool = False) -> bytes:
    """A small JPEG as a phone would write it: EXIF time (with or without offset) and GPS position."""
    image = Image.new("RGB", (16, 16), color)
    exif = Image.Exif()
    if taken:
        details = exif.get_ifd(0x8769)
        details[0x9003] = taken
        if offset:
            details[0x9011] = offset
    if gps:
        position = exif.get_ifd(0x8825)
        position[1], position[2] = "N", (41.0, 52.0, 30.0)
        position[3], position[4] = "W", (87.0, 37.0, 12.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def open_case(database_url: str, policy: Policy) -> str:
    return file_case(session_factory(make_engine(database_url)), policy)[0].case_number


@pytest.fixture
def case_number(database_url: str, policy: Policy) -> str:
    return open_case(database_url, policy)


def keep(database_url: str, store: Path, policy: Policy, case_number: str, data: bytes, **kwargs: object) -> Evidence:
    with transaction(session_factory(make_engine(database_url))) as session:
        values: dict[str, object] = {
            "original_name": "IMG_0001.jpg",
            "source": EvidenceSource.INSPECTION,
            "uploaded_by": "officer",
            **kwargs,
        }
        return store_evidence(
            session,
            store,
            case_number=case_number,
            data=data,
            local_zone=policy.calendar.zone,
            **values,  # type: ignore[arg-type]
        )


def test_a_photo_is_kept_with_its_hash_time_and_position(
    database_url: str, tmp_path: Path, policy: Policy, case_number: str
) -> None:
    data = photo(taken="2026:11:03 14:30:00", offset="-06:00", gps=True)
    evidence = keep(database_url, tmp_path, policy, case_number, data)

    stored = tmp_path / evidence.path
    assert stored.read_bytes() == data
    assert evidence.media_type == "image/jpeg"
    assert evidence.taken_at == datetime(2026, 11, 3, 20, 30, tzinfo=UTC)
    assert evidence.latitude == pytest.approx(41.875)
    assert evidence.longitude == pytest.approx(-87.62)
    with transaction(session_factory(make_engine(database_url))) as session:
        [row] = evidence_of(session, case_number)
        assert row.sha256 == evidence.sha256 and len(row.sha256) == 64
        assert row.taken_at == datetime(2026, 11, 3, 20, 30, tzinfo=UTC)  # SQLite keeps the instant too


def test_a_camera_clock_without_offset_is_read_in_the_citys_zone(
    sqlite_url: str, tmp_path: Path, policy: Policy
) -> None:
    number = open_case(sqlite_url, policy)
    evidence = keep(sqlite_url, tmp_path, policy, number, photo(taken="2026:07:01 09:00:00"))
    assert evidence.taken_at is not None
    local = evidence.taken_at.astimezone(policy.calendar.zone)
    assert (local.hour, local.utcoffset()) == (9, timedelta(hours=-5))  # Riverton keeps Central time, CDT in July


def test_the_same_bytes_twice_are_one_file_and_one_row(sqlite_url: str, tmp_path: Path, policy: Policy) -> None:
    number = open_case(sqlite_url, policy)
    first = keep(sqlite_url, tmp_path, policy, number, photo("red"))
    again = keep(sqlite_url, tmp_path, policy, number, photo("red"), original_name="copy.jpg")
    other = keep(sqlite_url, tmp_path, policy, number, photo("blue"))
    assert again.id == first.id and other.id != first.id
    stored = [path.name for path in (tmp_path / number / "evidence").iterdir()]
    assert len(stored) == 4 and sum(".shared." in name for name in stored) == 2  # each beside its shareable copy
    with transaction(session_factory(make_engine(sqlite_url))) as session:
        assert len(session.exec(select(Evidence)).all()) == 2


def test_the_shareable_copy_drops_who_took_a_photo_and_keeps_the_position_only_when_asked() -> None:
    image = Image.new("RGB", (16, 16), "green")
    exif = Image.open(io.BytesIO(photo(gps=True))).getexif()
    exif[0x013B] = "Ana Ruiz-Okafor"  # Artist: a phone writes its owner here
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    zone = ZoneInfo("UTC")
    for keep_position, latitude in ((True, 41.875), (False, None)):
        copy = shareable_photo(buffer.getvalue(), "image/jpeg", keep_position=keep_position)
        assert b"Okafor" not in copy
        assert read_photo_metadata(copy, zone).latitude == latitude
    assert b"Okafor" in buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"<script>alert(1)</script>", "only JPEG, PNG or WebP photos and PDF files"),
        (b"\xff\xd8\xff\xe0 not really a jpeg", "damaged"),
        (b"\xff\xd8\xff" + b"\0" * MAX_EVIDENCE_BYTES, "the limit is"),
    ],
    ids=["empty", "script-named-jpg", "truncated-jpeg", "too-large"],
)
def test_uploads_are_judged_by_content_and_refused_with_a_reason(
    sqlite_url: str, tmp_path: Path, policy: Policy, data: bytes, reason: str
) -> None:
    number = open_case(sqlite_url, policy)
    with pytest.raises(EvidenceRejected, match=reason):
        keep(sqlite_url, tmp_path, policy, number, data)
    assert not (tmp_path / number).exists()


def test_public_pages_see_only_evidence_not_marked_internal(sqlite_url: str, tmp_path: Path, policy: Policy) -> None:
    number = open_case(sqlite_url, policy)
    keep(sqlite_url, tmp_path, policy, number, photo("red"))
    public = keep(
        sqlite_url, tmp_path, policy, number, photo("blue"), source=EvidenceSource.OWNER_COMPLIANCE, internal=False
    )
    with transaction(session_factory(make_engine(sqlite_url))) as session:
        assert [e.id for e in evidence_of(session, number, public_only=True)] == [public.id]
