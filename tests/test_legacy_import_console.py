"""The console's `/admin/import` and where an imported case shows (issue 16): the admin uploads an export and its
mapping, reads the dry run's report and imports; the case list finds a case by its legacy number, the case page
and the property history say it was imported, the API carries the legacy number, and the Temporal UI finds an
imported open case by it."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from domain.city import City
from domain.policy import Policy
from records.db import make_engine, session_factory
from records.legacy_cases import LegacyCaseRecord
from records.tables import Case
from scripts.make_legacy_export import sample_rows, to_csv
from services.legacy_import.run import plan_import, start_open_cases, write_plan
from tests.conftest import Api
from tests.helpers import eventually, form_token, sign_in
from tests.test_console_pages import console
from tests.test_legacy_import_reading import EXAMPLE, example

__all__ = ["console"]  # the fixture, on SQLite and PostgreSQL


async def dry_run(api: Api, export: bytes, mapping: str) -> str:
    page = await api.http.get("/admin/import")
    assert page.status_code == 200
    answer = await api.http.post(
        "/admin/import/dry-run",
        data={"csrf_token": form_token(page.text)},
        files={
            "export": ("legacy.csv", export, "text/csv"),
            "mapping": ("mapping.toml", mapping.encode(), "text/plain"),
        },
    )
    return answer.text if answer.status_code == 200 else f"{answer.status_code}: {answer.text}"


def count(page: str, label: str) -> int:
    found = re.search(rf"<td>{re.escape(label)}</td><td class=\"count\">(\d+)</td>", page)
    assert found, label
    return int(found.group(1))


async def test_an_admin_dry_runs_an_export_reads_the_report_and_imports_it(console: Api, database_url: str) -> None:
    await sign_in(console.http, "admin")
    rows = sample_rows(date.today())
    report = await dry_run(console, to_csv(rows, encoding="latin-1"), example())
    for problem in ("no_parcel", "unmapped_type", "unmapped_status", "point_outside_city", "conflicting_duplicate"):
        assert count(report, problem) == 1, problem
    assert report.count('<td data-label="Row">') == len(rows)  # every row of the export
    with session_factory(make_engine(database_url))() as session:
        assert session.exec(select(LegacyCaseRecord)).first() is None  # the dry run wrote nothing
    to_import = count(report, "create closed case") + count(report, "create open case")
    token = re.search(r'name="token" value="([0-9a-f]{64})"', report)
    assert token and f"Import {to_import} cases" in report
    csv_report = await console.http.get(f"/admin/import/{token.group(1)}/report.csv")
    assert csv_report.status_code == 200 and len(csv_report.text.split("\n\n")[0].splitlines()) == len(rows) + 1

    done = await console.http.post(
        "/admin/import/run", data={"csrf_token": form_token(report), "token": token.group(1)}
    )
    assert f"{to_import} new cases, 0 updated" in done.text
    assert "waiting for Temporal" in done.text  # this console has no Temporal: the reconciler starts them later
    again = await dry_run(console, to_csv(rows), example())
    assert count(again, "unchanged") == to_import and "create closed case" not in again

    refused = await dry_run(console, to_csv(rows), example(**{'shape = "per_violation"': 'shape = "per_row"'}))
    assert refused.startswith("422") and "shape: Input should be" in refused
    # Other roles are refused: the role matrix walks /admin/import (domain.access CONSOLE_PAGES) as each of them.


async def test_an_imported_case_is_found_by_its_legacy_number_and_marked_imported(
    console: Api, database_url: str
) -> None:
    await sign_in(console.http, "admin")
    rows = sample_rows(date.today())
    report = await dry_run(console, to_csv(rows), EXAMPLE.read_text(encoding="utf-8"))
    token = re.search(r'name="token" value="([0-9a-f]{64})"', report)
    assert token
    await console.http.post("/admin/import/run", data={"csrf_token": form_token(report), "token": token.group(1)})
    with session_factory(make_engine(database_url))() as session:
        record = session.get(LegacyCaseRecord, "X-10")
        assert record is not None
        case = session.get(Case, record.case_number)
        assert case is not None
        neighbour = session.exec(
            select(Case).where(Case.parcel_id == case.parcel_id, Case.case_number != case.case_number)
        ).first()

    listed = (await console.http.get("/cases", params={"q": "x-10", "status": "all"})).text
    assert case.case_number in listed
    page = (await console.http.get(f"/cases/{case.case_number}")).text
    assert "Imported</strong> from legacy case <strong>X-10</strong>" in page and "no workflow" in page
    if neighbour is not None:
        history = (await console.http.get(f"/cases/{neighbour.case_number}")).text
        assert "imported from legacy case X-10" in history
    detail = (await console.get(f"/api/v1/cases/{case.case_number}", "clerk")).json()
    assert detail["legacy_case_number"] == "X-10" and detail["imported_at"] and detail["stage"] == "closed"


async def test_the_temporal_ui_finds_an_imported_open_case_by_its_legacy_number(
    api: Api,
    temporal_dev: WorkflowEnvironment,
    policy: Policy,
    city: City,
) -> None:
    sessions = session_factory(make_engine(api.settings.database_url))
    today = date.today()
    row = sample_rows(today)[-3] | {  # a clean row of the sample, open with a comply-by date past
        "CASE_NO": "OPEN-UI", "OPENED_DT": f"{today - timedelta(days=40):%m/%d/%Y}", "CLOSED_DT": "",
        "COMPLY_BY_DT": f"{today - timedelta(days=3):%m/%d/%Y}", "CASE_STATUS": "OPEN", "OWNER_NAME": "", "OWNER_ADDR": "",
    }  # fmt: skip
    plan = plan_import(sessions, policy, city, "ui.csv", to_csv([row]), example(), today)
    write_plan(sessions, policy, plan, "ui.csv")
    client = temporal_dev.client
    assert await start_open_cases(client, api.settings.temporal_task_queue, sessions, policy) == 1

    async def found() -> list[str]:
        return [
            w.id async for w in client.list_workflows('LegacyCaseNumber = "OPEN-UI" AND CaseStage = "reinspection_due"')
        ]

    with sessions() as session:
        record = session.get(LegacyCaseRecord, "OPEN-UI")
        assert record is not None
    assert await eventually(found, until=lambda ids: ids == [record.case_number]) == [record.case_number]
    await client.get_workflow_handle(record.case_number).terminate(reason="test finished")
