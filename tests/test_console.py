"""The console's first page: staff sign in and see the newest cases with links to their workflows."""

from __future__ import annotations

from tests.conftest import Api
from tests.test_api_complaints import MAPLE


async def test_staff_sign_in_and_see_the_newest_cases(api: Api) -> None:
    anonymous = await api.http.get("/")
    assert anonymous.status_code == 200 and 'action="/login"' in anonymous.text
    assert "CE-" not in anonymous.text  # no case data before signing in

    filed = (await api.post("/api/v1/complaints", "clerk", json=MAPLE)).json()["case_number"]
    wrong = await api.http.post("/login", data={"username": "clerk", "password": "wrong"})
    assert wrong.status_code == 303 and wrong.headers["location"] == "/?error=1"
    assert "abate_session" not in wrong.cookies

    signed_in = await api.http.post("/login", data={"username": "supervisor", "password": "demo"})
    assert signed_in.status_code == 303
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    page = await api.http.get("/")
    assert filed in page.text and "142 Maple Dr" in page.text and "Long grass and weeds" in page.text
    assert f"/namespaces/default/workflows/{filed}" in page.text

    await api.http.post("/logout")
    api.http.cookies.clear()
    assert filed not in (await api.http.get("/")).text
