"""Working a case from the console: the case page, its actions (the workflow's validators decide), the
inspection with photos, and who sees a complainant."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.conftest import Api
from tests.helpers import eventually, form_token, sign_in
from tests.test_api_complaints import MAPLE
from tests.test_evidence import photo

ACTIONS = "/api/v1/cases/{}/actions/{}"
GRASS = ["Grass or weeds taller than 8 inches", "Condition visible from the public right of way"]


async def opened(api: Api, complaint: dict[str, Any] | None = None) -> str:
    body = complaint or {**MAPLE, "complainant": {"name": "Nora Neighbour", "email": "nora@example.com"}}
    case_number = str((await api.post("/api/v1/complaints", "clerk", json=body)).json()["case_number"])

    async def stage() -> Any:
        return (await api.get(f"/api/v1/cases/{case_number}", "clerk")).json()["stage"]

    await eventually(stage, until=lambda s: s == "investigating")
    return case_number


async def inspect(http: httpx.AsyncClient, case: str, verdict: str, *photos: bytes, **extra: str) -> httpx.Response:
    page = await http.get(f"/cases/{case}/inspect")
    assert page.status_code == 200, page.text
    data = {"csrf_token": form_token(page.text), "findings": "Grass 14 in.", "verdict": verdict, **extra}
    data["checklist"] = GRASS  # type: ignore[assignment]
    files = [("photos", (f"photo{i}.jpg", content, "image/jpeg")) for i, content in enumerate(photos)]
    return await http.post(f"/cases/{case}/inspect", data=data, files=files or None)


async def act(http: httpx.AsyncClient, case: str, action: str, kind: str = "actions", **fields: str) -> httpx.Response:
    page = await http.get(f"/cases/{case}")
    return await http.post(f"/cases/{case}/{kind}/{action}", data={"csrf_token": form_token(page.text), **fields})


async def test_findings_with_a_nul_character_are_refused_on_the_inspection_page_and_the_case_waits(
    api: Api, worker: None
) -> None:
    case = await opened(api)
    await sign_in(api.http, "officer")
    refused = await inspect(api.http, case, "violation", photo("green"), findings="Grass\x00 14 in.")
    assert refused.status_code == 422 and "NUL character" in refused.text, refused.text
    assert (await api.get(f"/api/v1/cases/{case}", "officer")).json()["stage"] == "investigating"


async def test_an_officer_inspects_with_photos_and_serves_a_notice_from_the_case_page(api: Api, worker: None) -> None:
    case = await opened(api)
    await sign_in(api.http, "officer")
    page = await api.http.get(f"/cases/{case}")
    assert page.status_code == 200
    text = page.text
    assert "Case opened – inspection" in text and "142 Maple Dr" in text and "Long grass and weeds" in text
    assert "days left" in text or "due today" in text  # the first inspection's response target
    assert "Nora Neighbour" in text  # officers see who complained
    assert f'href="/cases/{case}/inspect"' in text  # the inspection is offered, on its own page
    assert "/actions/issue_fine" not in text  # not allowed at this stage, so not offered
    assert f"/namespaces/default/workflows/{case}" in text

    inspected = await inspect(
        api.http, case, "violation", photo("green", gps=True), photo("red"), device_lat="41.6", device_lon="-93.6"
    )
    assert inspected.status_code == 303, inspected.text
    page = await api.http.get(inspected.headers["location"])
    assert "Violation found – notice being prepared" in page.text
    images = [part.split('"')[0] for part in page.text.split(f'src="/cases/{case}/evidence/')[1:]]
    assert len(set(images)) == 2
    shown = await api.http.get(f"/cases/{case}/evidence/{images[0]}")
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    assert "41.87500, -87.62000" in page.text  # the position in the first photo's EXIF
    assert "41.60000, -93.60000" in page.text  # the second photo has none: the phone's position

    issued = await act(api.http, case, "issue_notice")
    assert issued.status_code == 303
    served = await act(api.http, case, "record_service", method="mail")
    assert served.status_code == 303
    page = await api.http.get(f"/cases/{case}")
    assert "Compliance period" in page.text and "Courtesy notice" in page.text.replace(
        "Courtesy Notice", "Courtesy notice"
    )
    letter = await api.http.get(f"/cases/{case}/notices/1")
    assert letter.status_code == 200 and len(letter.content) > 1000

    api.http.cookies.clear()
    await sign_in(api.http, "hearing")
    assert (await api.http.get(f"/cases/{case}/evidence/{images[0]}")).status_code == 200
    page = await api.http.get(f"/cases/{case}")
    assert "Nora Neighbour" not in page.text and "nora@example.com" not in page.text
    assert "withheld from your role" in page.text


async def test_a_refused_action_shows_the_rule_on_the_page(api: Api, worker: None) -> None:
    case = await opened(api)
    await sign_in(api.http, "officer")
    missing = await api.http.get("/cases/CE-2026-999999")
    assert missing.status_code == 404 and "There is no case CE-2026-999999" in missing.text
    refused = await act(api.http, case, "issue_notice")
    assert refused.status_code == 409
    assert "Issue notice was refused" in refused.text
    assert "issue_notice is not possible while the case is at &#39;Case opened – inspection&#39;" in refused.text

    wrong_role = await act(api.http, case, "close", outcome="dismissed", reason="x")
    assert wrong_role.status_code == 403 and "needs: supervisor" in wrong_role.text

    blank = await act(api.http, case, "add_note", text=" ")
    assert blank.status_code == 422 and "Write the note" in blank.text

    noted = await act(api.http, case, "add_note", text="Owner called, says the mower is broken")
    assert noted.status_code == 303
    page = await api.http.get(noted.headers["location"])
    assert "Done: add note." in page.text and "Owner called, says the mower is broken" in page.text

    not_a_photo = await inspect(api.http, case, "violation", b"%PDF-1.4 not a photo")
    assert not_a_photo.status_code == 422 and "Photo or video refused" in not_a_photo.text
    no_findings = await inspect(api.http, case, "violation", photo("blue"), findings=" ")
    assert no_findings.status_code == 422 and "Describe what the inspection found" in no_findings.text
    empty = re.search(
        r'class="muted empty-sections">Nothing yet: ([^<]*)</p>', (await api.http.get(f"/cases/{case}")).text
    )
    assert empty and "no evidence" in empty[1]  # nothing half-stored
    assert "Case opened – inspection" in (await api.http.get(f"/cases/{case}")).text


async def test_my_day_lists_todays_visits_in_route_order_and_the_queue_below(api: Api, worker: None) -> None:
    zone = ZoneInfo("America/Chicago")
    today = datetime.now(zone).replace(hour=12, minute=0, second=0, microsecond=0)
    far, near, tomorrow = "988 W 14th St", "128 W 14th St", "212 W 14th St"
    numbers = {}
    for address, when in ((far, today), (near, today), (tomorrow, today + timedelta(days=1))):
        case = numbers[address] = await opened(api, {**MAPLE, "address": address})
        moved = await api.post(ACTIONS.format(case, "reassign"), "supervisor", json={"officer_badge": "CE-101"})
        assert moved.status_code == 200, moved.text
        scheduled = await api.post(
            ACTIONS.format(case, "schedule_inspection"), "officer", json={"scheduled_for": when.isoformat()}
        )
        assert scheduled.status_code == 200, scheduled.text

    await sign_in(api.http, "officer")
    page = await api.http.get("/my-day")
    assert page.status_code == 200
    listed = page.text.split('<ol class="visits">')[1].split("</ol>")[0]
    assert listed.index(near) < listed.index(far)  # the nearer stop to the office first
    assert tomorrow not in listed
    assert "<svg" in page.text and page.text.count("<circle") == 2
    assert "window.print()" in page.text
    # Tomorrow's appointment waits in the queue below; picking it makes it part of today's route.
    queue = page.text.split('id="queue-title"')[1]
    assert queue.index("Due today") < queue.index(tomorrow) and "Inspection appointment" in queue
    picked = await api.http.get("/my-day", params={"planned": "true", "visit": [numbers[tomorrow], numbers[near]]})
    listed = picked.text.split('<ol class="visits">')[1].split("</ol>")[0]
    assert near in listed and tomorrow in listed and far not in listed

    api.http.cookies.clear()
    await sign_in(api.http, "supervisor")
    choose = await api.http.get("/my-day")
    assert choose.status_code == 200 and "Choose an officer" in choose.text and '<ol class="visits">' not in choose.text
    officer_id = re.search(r'<option value="(\d+)">[^<]*\(CE-101\)', choose.text)
    assert officer_id is not None
    theirs = await api.http.get("/my-day", params={"officer": officer_id[1]})
    assert near in theirs.text.split('<ol class="visits">')[1] and "(CE-101)</h2>" in theirs.text

    api.http.cookies.clear()
    await sign_in(api.http, "clerk")
    assert (await api.http.get("/my-day")).status_code == 403


async def test_a_clerk_files_at_intake_and_attaches_a_second_complaint_to_the_open_case(api: Api, worker: None) -> None:
    await sign_in(api.http, "clerk")
    page = await api.http.get("/intake")
    assert page.status_code == 200 and 'list="parcel-suggestions"' in page.text and "Long grass and weeds" in page.text
    suggested = (await api.http.get("/intake/parcels", params={"q": "142 map"})).json()
    assert suggested[0]["address"] == "142 Maple Dr"

    complaint = {
        "csrf_token": form_token(page.text),
        "channel": "walk_in",
        "address": "142 Maple Dr",
        "violation_code": "PS-GRASS",
        "description": "Grass over a foot tall",
        "name": "Nora Neighbour",
        "phone": "555 010 2222",
    }
    bad = await api.http.post("/intake", data={**complaint, "address": "142 Mapel Drive", "email": "nora@"})
    assert bad.status_code == 422 and "email" in bad.text
    bad = await api.http.post("/intake", data={**complaint, "address": "142 Mapel Drive"})
    assert bad.status_code == 422 and "is not an address in the City of Riverton" in bad.text

    filed = await api.http.post("/intake", data=complaint)
    assert filed.status_code == 303
    case = filed.headers["location"].split("/cases/")[1].split("?")[0]
    assert "Done: complaint filed." in (await api.http.get(filed.headers["location"])).text

    again = await api.http.post("/intake", data={**complaint, "channel": "phone", "name": "Omar Other"})
    assert again.status_code == 409
    assert "already an open case about this property and violation" in again.text and case in again.text
    attached = await api.http.post("/intake", data={**complaint, "channel": "phone", "decision": "attach"})
    assert attached.headers["location"] == f"/cases/{case}?done=complaint_attached"

    async def case_page() -> str:
        return (await api.http.get(f"/cases/{case}")).text

    text = await eventually(case_page, until=lambda t: "Another complaint (phone) attached to this case" in t)
    assert text.count("Grass over a foot tall") == 2

    separate = await api.http.post("/intake", data={**complaint, "decision": "new"})
    assert separate.status_code == 303 and case not in separate.headers["location"]


async def test_a_photo_without_exif_time_shows_the_phones_file_time_and_says_so(api: Api, worker: None) -> None:
    case = await opened(api)
    await sign_in(api.http, "officer")
    zone = ZoneInfo("America/Chicago")
    file_time = datetime(2026, 12, 1, 14, 30, tzinfo=zone)
    tomorrow = datetime.now(zone) + timedelta(days=1)  # a phone clock this far ahead is wrong, not a capture time
    times = [file_time, file_time, tomorrow]
    inspected = await inspect(
        api.http,
        case,
        "violation",
        photo("green", taken="2026:11:30 09:15:00"),  # the camera's own time wins over the file's
        photo("red"),
        photo("blue"),
        device_times=",".join(str(int(t.timestamp() * 1000)) for t in times),
    )
    assert inspected.status_code == 303, inspected.text
    page = (await api.http.get(f"/cases/{case}")).text
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", page, re.S)
    assert len(captions) == 3
    exif, device, unknown = sorted(captions, key=lambda c: ("EXIF" not in c, "file time" not in c))
    assert "taken <time" in exif and "2026-11-30 09:15</time>" in exif and "from the photo&#39;s EXIF" in exif
    assert "2026-12-01 14:30</time>" in device and "from the phone&#39;s file time" in device
    assert "capture time unknown" in unknown and "(uploaded <time" in unknown and "taken" not in unknown
