"""The owner's notice states what the officer saw and how to appeal it in the pack's own words, under both packs."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import docx
import pytest
from temporalio.testing import WorkflowEnvironment

from config.settings import CONFIG_DIR
from domain.policy import load_policy
from records.db import make_engine, session_factory
from tests.case_driver import CaseDriver, case_driver
from tests.conftest import prepare_database

PACKS = {
    "default": (CONFIG_DIR / "policy.toml", "PS-REFUSE"),  # first notice: an order to comply
    "ontario": (CONFIG_DIR / "policies" / "ontario.toml", "ON-PS-VACANT"),  # first: a property standards order
}
FINDINGS = "Rear door off its hinges; two windows boarded from the inside"


@pytest.fixture(params=list(PACKS))
async def pack_cases(
    request: pytest.FixtureRequest, temporal_time: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[tuple[CaseDriver, str]]:
    policy_file, code = PACKS[request.param]
    policy = load_policy(policy_file)
    sessions = session_factory(make_engine(prepare_database(f"sqlite:///{tmp_path / 'abate.sqlite3'}")))
    async with case_driver(temporal_time, sessions, policy, f"conditions-{uuid.uuid4()}") as driver:
        yield driver, code


def _text(path: Path) -> str:
    document = docx.Document(io.BytesIO(path.read_bytes()))
    lines = [p.text for p in document.paragraphs]
    lines += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(lines)


async def test_the_served_order_lists_the_observed_conditions_and_the_packs_way_to_appeal(
    pack_cases: tuple[CaseDriver, str],
) -> None:
    cases, code = pack_cases
    violation = cases.policy.violation(code)
    assert violation is not None and len(violation.checklist) >= 3
    seen, also_seen, not_seen = violation.checklist[:3]
    case = await cases.open(code)
    checklist = {seen: True, not_seen: False, also_seen: True}
    await cases.act(case, "record_inspection", {"violation_found": True, "findings": FINDINGS, "checklist": checklist})
    await cases.act(case, "issue_notice")
    snapshot = await cases.act(case, "record_service", {"method": "personal"})
    notice = snapshot.state.notices[-1]
    assert notice.letter is not None
    letter = _text(cases.document_store / notice.letter.path)

    # The officer's findings: each condition found on the checklist, then the officer's own words; nothing unseen.
    assert f"Observed: {seen}; {also_seen}; {FINDINGS}" in letter
    assert not_seen not in letter and "at an inspection on" in letter
    # How to appeal, as the pack words it for this kind of notice (not the city's generic route).
    how = cases.policy.notice_types[notice.notice_type].how_to_appeal
    assert how and how[1:] in letter
    assert "send a written notice of appeal that quotes the case number" not in letter
