"""Signing in to the console: sessions in signed cookies, CSRF on every form, no open redirects."""

from __future__ import annotations

from tests.conftest import Api
from tests.helpers import form_token, sign_in
from tests.test_api_complaints import MAPLE


async def test_staff_sign_in_and_see_the_newest_cases(api: Api) -> None:
    anonymous = await api.http.get("/?since=2026-11-01")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=%2F%3Fsince%3D2026-11-01"

    filed = (await api.post("/api/v1/complaints", "clerk", json=MAPLE)).json()["case_number"]
    wrong = await sign_in(api.http, "clerk", "wrong")
    assert wrong.status_code == 401 and "Incorrect username or password." in wrong.text
    assert "abate_session" not in wrong.cookies

    signed_in = await sign_in(api.http, "supervisor")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    page = await api.http.get("/")
    assert filed in page.text and "142 Maple Dr" in page.text and "Long grass and weeds" in page.text
    assert f"/namespaces/default/workflows/{filed}" in page.text
    assert 'href="/cases"' in page.text and 'href="/admin/users"' not in page.text  # the supervisor's navigation

    signed_out = await api.http.post("/logout", data={"csrf_token": form_token(page.text)})
    assert signed_out.status_code == 303
    assert (await api.http.get("/")).status_code == 303


async def test_forms_without_this_browsers_csrf_token_are_refused(api: Api) -> None:
    await api.http.get("/login")  # the browser now holds a CSRF cookie
    forged = await api.http.post("/login", data={"username": "supervisor", "password": "demo", "csrf_token": "x"})
    assert forged.status_code == 403 and "did not come from this site" in forged.text
    missing = await api.http.post("/login", data={"username": "supervisor", "password": "demo"})
    assert missing.status_code == 403 and "abate_session" not in missing.cookies

    await sign_in(api.http, "supervisor")
    assert (await api.http.post("/logout", data={})).status_code == 403
    assert (await api.http.get("/")).status_code == 200  # still signed in: the forged sign-out did nothing


async def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(api: Api) -> None:
    back = await sign_in(api.http, "clerk", next_path="/?stage=investigating")
    assert back.headers["location"] == "/?stage=investigating"
    api.http.cookies.clear()
    for hostile in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        answer = await sign_in(api.http, "clerk", next_path=hostile)
        assert answer.headers["location"] == "/", hostile
        api.http.cookies.clear()
