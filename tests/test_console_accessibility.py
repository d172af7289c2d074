"""Every console page, as the roles that use it: each form field has a label, and nothing is loaded from
outside the server (an officer's phone in a basement or a city network without internet still works)."""

from __future__ import annotations

from lxml import html

from domain.access import CONSOLE_PAGES, Role
from tests.conftest import Api
from tests.helpers import sign_in
from tests.test_console_cases import opened

FIELDS = "//input[not(@type='hidden') and not(@type='submit') and not(@type='button')] | //select | //textarea"
RESOURCES = "//script[@src]/@src | //link[@href]/@href | //img[@src]/@src | //iframe/@src | //*[@style]/@style"


def unlabelled_fields(page: html.HtmlElement) -> list[str]:
    labelled = set(page.xpath("//label/@for"))
    missing = []
    for field in page.xpath(FIELDS):
        named = field.get("aria-label") or field.get("aria-labelledby") or field.get("title")
        wrapped = any(parent.tag == "label" for parent in field.iterancestors())
        if not (named or wrapped or field.get("id") in labelled):
            missing.append(html.tostring(field, encoding="unicode")[:120])
    return missing


def outside_resources(page: html.HtmlElement) -> list[str]:
    found = [str(value) for value in page.xpath(RESOURCES)]
    return [v for v in found if "http:" in v or "https:" in v or v.lstrip().startswith("//") or "url(//" in v]


async def test_every_page_labels_its_fields_and_loads_nothing_from_outside(api: Api, worker: None) -> None:
    case = await opened(api)
    pages_of = {
        Role.ADMIN: [path for path, _label, roles in CONSOLE_PAGES if Role.ADMIN in roles],
        Role.SUPERVISOR: [p for p, _l, r in CONSOLE_PAGES if Role.SUPERVISOR in r] + [f"/cases/{case}"],
        Role.OFFICER: ["/my-day", f"/cases/{case}", f"/cases/{case}/inspect", "/intake"],
        Role.CLERK: ["/intake", "/cases?q=Maple", "/hearings"],
    }
    walked = 0
    for role, paths in pages_of.items():
        api.http.cookies.clear()
        assert (await sign_in(api.http, role.value)).status_code == 303
        for path in paths:
            answer = await api.http.get(path)
            assert answer.status_code == 200, f"{path} as {role}: {answer.status_code}"
            page = html.fromstring(answer.text)
            assert unlabelled_fields(page) == [], f"{path} as {role}"
            assert outside_resources(page) == [], f"{path} as {role}"
            assert page.xpath("//html/@lang") and page.xpath("//meta[@name='viewport']"), path
            walked += 1
    api.http.cookies.clear()
    login = html.fromstring((await api.http.get("/login")).text)
    assert unlabelled_fields(login) == [] and outside_resources(login) == []
    assert walked >= len(CONSOLE_PAGES) + 5
