"""The officer's field kit: video evidence (MP4 and MOV from phones, made here with ffmpeg) kept like photos, with
its time and position read from the file, a poster frame, its sha256 and a copy without its metadata; a clear
refusal past the size limit; and the photos of earlier cases at the property on the inspection page."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from domain.evidence import FIELD_TYPES, MAX_VIDEO_BYTES, EvidenceRejected, EvidenceSource, read_video_tags
from domain.policy import Policy
from domain.stages import CaseStage, Outcome
from records.db import make_engine, session_factory, transaction
from records.evidence import Evidence
from services.evidence import store_evidence
from tests.conftest import Api, make_settings, open_api
from tests.helpers import form_token, sign_in
from tests.test_console_cases import GRASS, opened
from tests.test_console_pages import UNREACHABLE_TEMPORAL, Seeder, seeded
from tests.test_evidence import open_case, photo

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="Debian's ffmpeg (scripts/setup installs it)")

RECORDED = "2026-12-01T15:30:00Z"
OTTAWA = "+45.4215-075.6972/"


def video(tmp_path: Path, suffix: str = ".mp4", *, tagged: bool = True) -> bytes:
    """A one-second clip as a phone leaves it: its recording time and, in ISO 6709, where it was recorded."""
    out = tmp_path / f"clip{suffix}"
    tags = ["-metadata", f"creation_time={RECORDED}", "-metadata", f"location={OTTAWA}"] if tagged else []
    subprocess.run(
        [
            *("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=10"),
            *("-c:v", "mpeg4", *tags, str(out)),
        ],
        check=True,
    )
    return out.read_bytes()


def tags_of(path: Path) -> dict[str, str]:
    probed = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    answer = json.loads(probed.stdout)
    tags = dict(answer["format"].get("tags", {}))
    for stream in answer["streams"]:
        tags.update(stream.get("tags", {}))
    return tags


def keep_video(sqlite_url: str, store: Path, policy: Policy, case_number: str, data: bytes, name: str) -> Evidence:
    with transaction(session_factory(make_engine(sqlite_url))) as session:
        return store_evidence(
            session,
            store,
            case_number=case_number,
            data=data,
            original_name=name,
            source=EvidenceSource.PORTAL_REPORT,  # a complainant's clip: its copy must not say where they stood
            uploaded_by="public",
            local_zone=policy.calendar.zone,
            allowed=FIELD_TYPES,
        )


@pytest.mark.parametrize(("suffix", "media_type"), [(".mp4", "video/mp4"), (".mov", "video/quicktime")])
def test_a_phone_video_is_kept_with_its_time_position_poster_and_hash(
    sqlite_url: str, tmp_path: Path, policy: Policy, suffix: str, media_type: str
) -> None:
    case_number = open_case(sqlite_url, policy)
    data = video(tmp_path, suffix)
    store = tmp_path / "documents"
    evidence = keep_video(sqlite_url, store, policy, case_number, data, f"IMG_0042{suffix.upper()}")

    assert evidence.media_type == media_type
    assert evidence.sha256 == hashlib.sha256(data).hexdigest()
    assert (store / evidence.path).read_bytes() == data  # the original, for the roles that may see complainants
    assert evidence.taken_at == datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
    assert evidence.taken_at_source == "video"
    assert (evidence.latitude, evidence.longitude) == (pytest.approx(45.4215), pytest.approx(-75.6972))

    stem = Path(evidence.path).stem
    poster = store / case_number / "evidence" / f"{stem}.poster.jpg"
    assert poster.read_bytes()[:3] == b"\xff\xd8\xff"
    shared = store / case_number / "evidence" / f"{stem}.shared{suffix}"
    copy_tags = tags_of(shared)
    assert not any(key.startswith("location") or key == "creation_time" for key in copy_tags), copy_tags
    # MP4 keeps the position in a binary `loci` box, QuickTime as text in `©xyz`: the copy has neither.
    assert b"loci" in data or b"\xa9xyz" in data
    assert not any(box in shared.read_bytes() for box in (b"loci", b"\xa9xyz", b"45.4215"))


def test_a_video_that_says_nothing_of_itself_is_kept_without_time_or_place(
    sqlite_url: str, tmp_path: Path, policy: Policy
) -> None:
    case_number = open_case(sqlite_url, policy)
    evidence = keep_video(
        sqlite_url, tmp_path / "documents", policy, case_number, video(tmp_path, tagged=False), "a.mp4"
    )
    assert evidence.taken_at is None and evidence.latitude is None and evidence.taken_at_source is None


def test_a_damaged_or_oversized_video_is_refused_and_nothing_kept(
    sqlite_url: str, tmp_path: Path, policy: Policy
) -> None:
    case_number = open_case(sqlite_url, policy)
    store = tmp_path / "documents"
    damaged = video(tmp_path)[:40] + b"\0" * 4000  # the header of an MP4, and nothing of its picture
    with pytest.raises(EvidenceRejected, match="damaged or not a video"):
        keep_video(sqlite_url, store, policy, case_number, damaged, "cut.mp4")
    assert not any(p.is_file() for p in store.rglob("*"))
    oversized = video(tmp_path)[:40] + b"\0" * MAX_VIDEO_BYTES
    with pytest.raises(EvidenceRejected, match="larger than 100 MB, the limit for a video"):
        keep_video(sqlite_url, store, policy, case_number, oversized, "long.mp4")


def test_an_iphones_own_tags_give_the_local_time_and_the_position() -> None:
    said = read_video_tags(
        {
            "creation_time": "2026-12-01T15:31:07.000000Z",  # when the file was written
            "com.apple.quicktime.creationdate": "2026-12-01T09:30:00-0600",  # when recording began, local
            "com.apple.quicktime.location.ISO6709": "+41.8750-087.6200+180.000/",
        }
    )
    assert said.taken_at == datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("America/Chicago"))
    assert (said.latitude, said.longitude) == (41.875, -87.62)
    assert read_video_tags({"creation_time": "1904-01-01T00:00:00Z", "location": "nowhere"}).taken_at is None


async def _inspect(http: httpx.AsyncClient, case: str, *files: tuple[str, bytes, str]) -> httpx.Response:
    page = await http.get(f"/cases/{case}/inspect")
    assert page.status_code == 200, page.text
    data = {"csrf_token": form_token(page.text), "findings": "Grass 14 in.", "verdict": "violation"}
    data["checklist"] = GRASS  # type: ignore[assignment]
    return await http.post(f"/cases/{case}/inspect", data=data, files=[("photos", f) for f in files])


async def test_an_officer_records_an_inspection_with_a_video(api: Api, worker: None, tmp_path: Path) -> None:
    case = await opened(api)
    await sign_in(api.http, "officer")
    too_long = await _inspect(api.http, case, ("long.mp4", video(tmp_path)[:40] + b"\0" * MAX_VIDEO_BYTES, "video/mp4"))
    assert too_long.status_code == 422
    assert "long.mp4: the video is larger than 100 MB, the limit for a video" in too_long.text

    clip = video(tmp_path, ".mov")
    inspected = await _inspect(api.http, case, ("IMG_0042.MOV", clip, "video/quicktime"))
    assert inspected.status_code == 303, inspected.text
    page = (await api.http.get(f"/cases/{case}")).text
    [evidence_id] = {part.split('"')[0] for part in page.split(f'<source src="/cases/{case}/evidence/')[1:]}
    assert f'poster="/cases/{case}/evidence/{evidence_id}/poster"' in page
    assert "45.42150, -75.69720" in page and "from the video&#39;s own record" in page
    assert f"sha256 {hashlib.sha256(clip).hexdigest()[:16]}" in page
    poster = await api.http.get(f"/cases/{case}/evidence/{evidence_id}/poster")
    assert poster.status_code == 200 and poster.headers["content-type"] == "image/jpeg"
    assert (await api.http.get(f"/cases/{case}/evidence/{evidence_id}")).content == clip  # the officer's original

    api.http.cookies.clear()
    await sign_in(api.http, "hearing")  # may not see complainants: served the copy without metadata
    served = await api.http.get(f"/cases/{case}/evidence/{evidence_id}")
    assert served.status_code == 200 and served.headers["content-type"] == "video/quicktime"
    assert b"\xa9xyz" not in served.content and b"45.4215" not in served.content and len(served.content) > 1000


@pytest.fixture
async def console(sqlite_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    settings = make_settings(sqlite_url, UNREACHABLE_TEMPORAL, document_store_dir=tmp_path / "documents")
    async for client in open_api(settings):
        yield client


async def test_photos_of_earlier_cases_at_the_property_are_shown_before_the_visit(
    console: Api, sqlite_url: str, policy: Policy
) -> None:
    now = datetime.now(UTC)
    store = console.settings.document_store_dir
    with seeded(sqlite_url) as session:
        s = Seeder(session)
        parcel = s.parcels[7]
        earlier = s.case(
            now - timedelta(days=400),
            CaseStage.CLOSED,
            parcel=parcel,
            closed_at=now - timedelta(days=380),
            outcome=Outcome.ORDER_COMPLIANCE,
        )
        elsewhere = s.case(now - timedelta(days=300), CaseStage.CLOSED, parcel=s.parcels[8], outcome=Outcome.UNFOUNDED)
        later = s.case(now - timedelta(days=1), parcel=parcel)
        kept = {}
        for case, colour, source in (
            (earlier, "saddlebrown", EvidenceSource.INSPECTION),
            (earlier, "pink", EvidenceSource.PORTAL_REPORT),  # a resident's photo is not the officer's record
            (elsewhere, "olive", EvidenceSource.INSPECTION),
        ):
            kept[colour] = store_evidence(
                session,
                store,
                case_number=case.case_number,
                data=photo(colour, taken="2025:11:03 14:30:00"),
                original_name=f"{colour}.jpg",
                source=source,
                uploaded_by="officer",
                local_zone=policy.calendar.zone,
            ).id
        later_number, earlier_number = later.case_number, earlier.case_number
    await sign_in(console.http, "officer")
    page = await console.http.get(f"/cases/{later_number}/inspect")
    assert page.status_code == 200, page.text
    assert "Earlier cases at this property" in page.text
    assert f'src="/cases/{earlier_number}/evidence/{kept["saddlebrown"]}"' in page.text
    assert f'/evidence/{kept["pink"]}"' not in page.text and f'/evidence/{kept["olive"]}"' not in page.text
    assert "2025-11-03" in page.text
    shown = await console.http.get(f"/cases/{earlier_number}/evidence/{kept['saddlebrown']}")
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
