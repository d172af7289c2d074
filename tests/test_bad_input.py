"""Bad input never becomes a server error: numbers past what the database can hold, formats the specification
does not have, and whatever schemathesis makes of the OpenAPI document."""

from __future__ import annotations

import pytest

from tests.conftest import Api
from tests.helpers import form_token, sign_in

TOO_BIG = 2**63  # one past the largest signed 64-bit integer: the database driver cannot even send it

# Every route that takes a row's number in its path, with the user who may call it (found by trying: each answered
# 500 with OverflowError from the driver).
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
