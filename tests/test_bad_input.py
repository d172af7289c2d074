"""Bad input never becomes a server error: numbers past what the database can hold, formats the specification
does not have, and whatever schemathesis makes of the OpenAPI document."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import Api, make_settings, open_api
from tests.helpers import form_token, sign_in

UNREACHABLE_TEMPORAL = "127.0.0.1:9"
TOO_BIG = 2**31  # one past the largest INTEGER of PostgreSQL, the type of every id column (SQLite's are 64-bit)


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    """The API on SQLite and on PostgreSQL: what one database stores, the other may refuse with an error."""
    async for client in open_api(make_settings(database_url, UNREACHABLE_TEMPORAL)):
        yield client


# Every route that takes a row's number in its path, with the user who may call it (found by trying: each answered
# 500, from the driver on SQLite past 2**63 and from PostgreSQL past 2**31).
ROW_NUMBER_ROUTES = [
    ("POST", f"/api/v1/print-queue/2026-00001/notices/{TOO_BIG}/mailed", "clerk"),
    ("POST", f"/api/v1/admin/open311-keys/{TOO_BIG}/revoke", "admin"),
    ("GET", f"/outbox/{TOO_BIG}/attachment", "supervisor"),
    ("GET", f"/cases/2026-00001/evidence/{TOO_BIG}", "officer"),
    ("GET", f"/cases/2026-00001/notices/{TOO_BIG}", "officer"),
    ("POST", f"/admin/users/{TOO_BIG}/active", "admin"),
    ("POST", f"/admin/users/{TOO_BIG}/password", "admin"),
    ("POST", f"/admin/open311-keys/{TOO_BIG}/revoke", "admin"),
]


@pytest.mark.parametrize(("method", "path", "username"), ROW_NUMBER_ROUTES)
async def test_a_row_number_past_the_database_range_is_refused_as_input(
    api: Api, method: str, path: str, username: str
) -> None:
    if path.startswith("/api/"):
        answer = await api.http.request(method, path, headers=await api.headers(username))
    else:
        await sign_in(api.http, username)
        token = form_token((await api.http.get("/admin/users")).text) if username == "admin" else ""
        answer = await api.http.request(method, path, data={"csrf_token": token, "active": "true", "password": "x"})
    assert answer.status_code == 422, answer.text
    if path.startswith("/api/"):
        assert any(error["loc"][0] == "path" for error in answer.json()["detail"]), answer.text


async def test_the_openapi_document_lists_the_open311_formats(api: Api) -> None:
    document = (await api.http.get("/openapi.json")).json()
    parameters = document["paths"]["/open311/v2/services.{fmt}"]["get"]["parameters"]
    fmt = next(p for p in parameters if p["name"] == "fmt")
    assert fmt["schema"]["enum"] == ["json", "xml"]


async def test_an_unknown_open311_format_is_the_specifications_not_found(api: Api) -> None:
    answer = await api.http.get("/open311/v2/services.yaml")
    assert answer.status_code == 404
    assert answer.json() == [{"code": 404, "description": "the format must be .json or .xml"}]


async def test_the_largest_row_number_that_fits_names_no_row_and_is_not_refused_as_input(api: Api) -> None:
    answer = await api.post(f"/api/v1/admin/open311-keys/{TOO_BIG - 1}/revoke", "admin")
    assert answer.status_code == 404, answer.text


# Text holding a NUL character, which PostgreSQL cannot store nor even compare (found by schemathesis: an Open311 key
# named with one answered 500), in every place a request carries text.
NUL = "\x00"


async def test_text_with_a_nul_character_is_refused_as_input_naming_where_it_was(api: Api) -> None:
    answers = {
        ("body", "name"): await api.post("/api/v1/admin/open311-keys", "admin", json={"name": f"Fix{NUL}It app"}),
        ("path", "case_number"): await api.get("/api/v1/cases/2026-0%001", "supervisor"),
        ("query", "q"): await api.get("/api/v1/parcels", "supervisor", params={"q": f"Main{NUL}"}),
        ("body", "username"): await api.http.post(
            "/api/v1/auth/token", data={"username": f"supervisor{NUL}", "password": "x"}
        ),
    }
    for where, answer in answers.items():
        assert answer.status_code == 422, (where, answer.text)
        (error,) = answer.json()["detail"]
        assert tuple(error["loc"]) == where and "NUL" in error["msg"], answer.text


async def test_open311_refuses_text_with_a_nul_character_in_the_specifications_shape(api: Api) -> None:
    answer = await api.http.get("/open311/v2/requests.json?service_request_id=2026%00")
    assert answer.status_code == 400, answer.text
    assert "service_request_id" in answer.json()[0]["description"]
