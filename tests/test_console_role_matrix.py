"""Every console page, download and form, as every role, on a real case in a real state: what domain/access.py
allows opens, everything else answers 403 and changes nothing, in the records or in the case's workflow.

The expectations are read from domain/access.py only, never from the routes, so a route that forgets its role
check (or checks the wrong set) fails here.
"""

from __future__ import annotations

import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func
from sqlmodel import SQLModel, select
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from domain.access import (
    ADMINISTER,
    CASE_EVENT_ROLES,
    CONSOLE_PAGES,
    CORRESPOND,
    MANAGE_OPEN311_KEYS,
    PUBLISH_OPEN_DATA,
    READ_CASE,
    READ_REPORTS,
    RESOLVE_DISPUTE,
    UNMATCHED_INBOX,
    Role,
    console_page_roles,
)
from domain.staff_actions import INSPECT, STAFF_ACTIONS
from records.communications import Communication, Dispute
from records.db import make_engine, session_factory, transaction
from records.evidence import Evidence
from records.open311 import create_key
from records.outbox import attached_notice
from records.tables import Message, User
from services.reports import REPORTS
from services.temporal_client import case_handle
from tests.conftest import Api
from tests.helpers import eventually, form_token, sign_in
from tests.test_console_cases import act, inspect, opened
from tests.test_evidence import photo
from tests.test_field_kit import video

USERNAMES = {Role.HEARING_OFFICER: "hearing"}
# Requests from outside the workflow: a console form that reached the case shows up as one of these.
FROM_OUTSIDE = (
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
)


class Fixture:
    """The case and the records the pages and downloads are about."""

    def __init__(self, api: Api, temporal: WorkflowEnvironment, case: str) -> None:
        self.api, self.temporal, self.case = api, temporal, case
        self.sessions = session_factory(make_engine(api.settings.database_url))

    def first(self, statement: object) -> int:
        with self.sessions() as session:
            found = session.exec(statement).first()  # type: ignore[call-overload]
        assert found is not None, statement
        return int(found)

    def rows(self) -> dict[str, int]:
        with self.sessions() as session:
            return {
                table.name: session.exec(select(func.count()).select_from(table)).one()
                for table in SQLModel.metadata.sorted_tables
            }

    async def requests_from_outside(self) -> int:
        history = await case_handle(self.temporal.client, self.case).fetch_history()
        return sum(event.event_type in FROM_OUTSIDE for event in history.events)

    async def state(self) -> tuple[dict[str, int], int]:
        return self.rows(), await self.requests_from_outside()

    def emailed_notice(self) -> int | None:
        """The outbox message that carried the served notice's letter, once it is sent."""
        with self.sessions() as session:
            for message in session.exec(select(Message).where(Message.case_number == self.case)):
                if attached_notice(session, message) is not None:
                    return message.id
        return None


async def served_case(api: Api, temporal: WorkflowEnvironment) -> Fixture:
    """A case inspected with a photo and a video, its notice served and e-mailed to the owner: every download
    exists."""
    case = await opened(api)
    await sign_in(api.http, "officer")
    with tempfile.TemporaryDirectory() as folder:
        clip = video(Path(folder))
    assert (await inspect(api.http, case, "violation", photo("green", gps=True), clip)).status_code == 303
    await eventually(lambda: api.http.get(f"/cases/{case}"), until=lambda p: "/actions/issue_notice" in p.text)
    assert (await act(api.http, case, "issue_notice")).status_code == 303
    assert (await act(api.http, case, "record_service", method="email")).status_code == 303
    api.http.cookies.clear()
    fixture = Fixture(api, temporal, case)

    async def settled() -> tuple[int | None, tuple[dict[str, int], int]]:
        return fixture.emailed_notice(), await fixture.state()

    # Wait until the workflow rests in the compliance period: nothing of its own changes the records now.
    before = await fixture.state()

    def unchanged(seen: tuple[int | None, tuple[dict[str, int], int]]) -> bool:
        nonlocal before
        steady, before = seen[1] == before, seen[1]
        return seen[0] is not None and steady

    await eventually(settled, until=unchanged)
    return fixture


def pages_and_downloads(f: Fixture) -> list[tuple[str, frozenset[Role]]]:
    evidence = f.first(select(Evidence.id).where(Evidence.case_number == f.case))
    clip = f.first(select(Evidence.id).where(Evidence.case_number == f.case, Evidence.media_type == "video/mp4"))
    message = f.emailed_notice()
    hearings = console_page_roles("/hearings")
    return [
        *((path, roles) for path, _label, roles in CONSOLE_PAGES),
        (f"/cases/{f.case}", READ_CASE),
        (f"/cases/{f.case}/inspect", INSPECT),
        (f"/cases/{f.case}/evidence/{evidence}", READ_CASE),
        (f"/cases/{f.case}/evidence/{clip}", READ_CASE),
        (f"/cases/{f.case}/evidence/{clip}/poster", READ_CASE),
        (f"/cases/{f.case}/notices/1", READ_CASE),
        (f"/outbox/{message}/attachment", console_page_roles("/outbox")),
        ("/hearings.ics", hearings),
        ("/intake/parcels?q=Maple", console_page_roles("/intake")),
        ("/finance?format=csv", console_page_roles("/finance")),
        *report_pages_and_exports(),
        ("/reports/map", READ_REPORTS),
        ("/reports/map/cases.geojson", READ_REPORTS),
        ("/reports/council.pdf?from=2026-01-01&to=2026-01-31", READ_REPORTS),
    ]


def report_pages_and_exports() -> list[tuple[str, frozenset[Role]]]:
    """Every report, its CSV, and one drill-down of each with its CSV."""
    drill_downs = {
        "first-inspection": "all-within",
        "compliance": "forced-share",
        "aging": "oldest",
        "money": "fines",
        "recidivism": "repeat-1y",
        "officers": "officer-1-caseload",
        "reinspections": "on-time",
        "volume": "all-opened-ly",
    }
    assert set(drill_downs) == set(REPORTS), "a new report is walked here too"
    return [("/reports/open-data/housefacts.zip", PUBLISH_OPEN_DATA)] + [
        (path, REPORTS[slug].readers)
        for slug, figure in drill_downs.items()
        for path in (
            f"/reports/{slug}",
            f"/reports/{slug}?format=csv",
            f"/reports/{slug}/cases?figure={figure}",
            f"/reports/{slug}/cases?figure={figure}&format=csv",
        )
    ]


def correspondence(f: Fixture) -> tuple[int, int, int]:
    """A text on the case, one in the unmatched inbox and a dispute: the forms about them are walked too."""
    with transaction(f.sessions) as session:
        on_case, unmatched = (
            Communication(
                case_number=number,
                channel="sms",
                direction="incoming",
                party="owner",
                sender="+15550100777",
                body="When is the inspection?",
                occurred_at=datetime.now(UTC),
                logged_by="twilio",
            )
            for number in (f.case, None)
        )
        dispute = Dispute(case_number=f.case, party="owner", summary="Not a violation", recorded_by="officer")
        session.add_all([on_case, unmatched, dispute])
        session.flush()
        ids = (on_case.id, unmatched.id, dispute.id)
    assert None not in ids
    return ids  # type: ignore[return-value]


def forms(f: Fixture, key: int) -> list[tuple[str, frozenset[Role]]]:
    """Every form the console posts to, with an empty body: a role that may gets the form's own answer
    (a missing field, a refusal of the workflow, or the thing done); a role that may not, 403."""
    officer = f.first(select(User.id).where(User.username == "officer"))
    text, unmatched, dispute = correspondence(f)
    return [
        (f"/cases/{f.case}/communications", CORRESPOND),
        (f"/cases/{f.case}/communications/{text}/reply", CORRESPOND),
        (f"/cases/{f.case}/disputes", CORRESPOND),
        (f"/cases/{f.case}/disputes/{dispute}/resolve", RESOLVE_DISPUTE),
        (f"/inbox/{unmatched}/file", UNMATCHED_INBOX),
        *(
            (f"/cases/{f.case}/actions/{action}", roles)
            for action, roles in ((name, a.roles) for name, a in STAFF_ACTIONS.items())
        ),
        *((f"/cases/{f.case}/events/{event}", roles) for event, roles in CASE_EVENT_ROLES.items()),
        (f"/cases/{f.case}/inspect", INSPECT),
        ("/intake", console_page_roles("/intake")),
        ("/finance/tax-roll", console_page_roles("/finance")),
        ("/admin/users", ADMINISTER),
        (f"/admin/users/{officer}/active", ADMINISTER),
        (f"/admin/users/{officer}/password", ADMINISTER),
        (f"/admin/users/{officer}/contact", ADMINISTER),
        ("/notifications/acknowledge", console_page_roles("/notifications")),
        ("/notifications/preferences", console_page_roles("/notifications")),
        ("/admin/officers", ADMINISTER),
        ("/admin/zones", ADMINISTER),
        ("/admin/open311-keys", MANAGE_OPEN311_KEYS),
        (f"/admin/open311-keys/{key}/revoke", MANAGE_OPEN311_KEYS),
    ]


async def signed_in_as(http: httpx.AsyncClient, role: Role) -> str:
    http.cookies.clear()
    assert (await sign_in(http, USERNAMES.get(role, role.value))).status_code == 303
    return form_token((await http.get("/cases")).text)


async def test_every_page_download_and_form_admits_exactly_the_roles_access_lists(
    api: Api, worker: None, temporal_dev: WorkflowEnvironment
) -> None:
    f = await served_case(api, temporal_dev)
    admin = f.first(select(User.id).where(User.username == "admin"))
    with f.sessions() as session:
        key = create_key(session, "Matrix test app", admin)[0].id
        session.commit()
    assert key is not None
    pages = pages_and_downloads(f)
    posts = forms(f, key)
    assert len(STAFF_ACTIONS) + len(CASE_EVENT_ROLES) > 20  # every action and event is walked

    for role in Role:
        await signed_in_as(api.http, role)
        for path, allowed in pages:
            answer = await api.http.get(path)
            expected = 200 if role in allowed else 403
            assert answer.status_code == expected, f"GET {path} as {role}: {answer.status_code}"

    # First every refusal, while the case rests: together they must leave every table and the workflow as they were.
    before = await f.state()
    for role in Role:
        token = await signed_in_as(api.http, role)
        for path, allowed in posts:
            if role in allowed:
                continue
            answer = await api.http.post(path, data={"csrf_token": token})
            assert answer.status_code == 403, f"POST {path} as {role}: {answer.status_code}"
            assert re.search(r"may not (open this page|\w+)", answer.text), path
    assert await f.state() == before, "a refused form changed the records or reached the case"

    # Then the roles that may: each form gets past the role check to its own answer.
    for role in Role:
        token = await signed_in_as(api.http, role)
        for path, allowed in posts:
            if role not in allowed:
                continue
            answer = await api.http.post(path, data={"csrf_token": token})
            assert answer.status_code in (200, 303, 409, 422), f"POST {path} as {role}: {answer.status_code}"
