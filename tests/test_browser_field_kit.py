"""Dictating findings in a real browser (Debian's headless Chromium): the microphone button shows only where the
browser offers speech recognition, and what is said goes into the findings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Browser, expect
from temporalio.testing import WorkflowEnvironment

from tests.conftest import running_system
from tests.test_browser import Person, browser, no_sideways_scroll
from tests.test_console_pages import Seeder, seeded

__all__ = ["browser"]

NO_RECOGNITION = """
delete window.SpeechRecognition;
delete window.webkitSpeechRecognition;
"""
# A recognizer that hears one sentence, as the browser's own reports a final result.
HEARS_A_SENTENCE = """
window.SpeechRecognition = class {
  start() {
    setTimeout(() => {
      const result = Object.assign([{ transcript: " grass fourteen inches along the fence " }], { isFinal: true });
      this.onresult({ resultIndex: 0, results: [result] });
      this.onend();
    }, 50);
  }
  stop() { this.onend(); }
};
"""


@pytest.fixture
async def case_to_inspect(sqlite_url: str, temporal_dev: WorkflowEnvironment) -> AsyncIterator[tuple[str, str]]:
    with seeded(sqlite_url) as session:
        case_number = Seeder(session).case(datetime.now(UTC) - timedelta(days=1)).case_number
    with running_system(sqlite_url, temporal_dev, worker=False) as base_url:
        yield base_url, case_number


async def test_the_microphone_shows_only_where_the_browser_offers_speech_recognition(
    browser: Browser, case_to_inspect: tuple[str, str]
) -> None:
    base_url, case_number = case_to_inspect
    without = await Person.signed_in(browser, base_url, "officer")
    await without.page.context.add_init_script(NO_RECOGNITION)
    await without.page.goto(f"/cases/{case_number}/inspect")
    await expect(without.page.get_by_label("Findings")).to_be_visible()
    await expect(without.page.get_by_role("button", name="Dictate findings")).to_be_hidden()
    await no_sideways_scroll(without.page)

    officer = await Person.signed_in(browser, base_url, "officer")
    await officer.page.context.add_init_script(HEARS_A_SENTENCE)
    await officer.page.goto(f"/cases/{case_number}/inspect")
    findings = officer.page.get_by_label("Findings")
    await findings.fill("Front yard:")
    microphone = officer.page.get_by_role("button", name="Dictate findings")
    await expect(microphone).to_be_visible()
    await microphone.click()
    await expect(findings).to_have_value("Front yard: grass fourteen inches along the fence")
    await expect(officer.page.get_by_role("button", name="Dictate findings")).to_have_attribute("aria-pressed", "false")
    await no_sideways_scroll(officer.page)
    await officer.shot("page-inspect-dictation")
