"""The OpenAPI document declares the refusals the routes really give (401, 403, 404, 409), so that a client generated
from it handles them: each router declares its own once, from `api/deps.py` (Open311's in the specification's shape)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from api.main import create_app
from tests.conftest import Api, make_settings, open_api

REFUSALS = {401, 403, 404, 409}
SIGNED_IN, STAFF_ROLE = {401}, {401, 403}

# What each operation refuses with, read from its code: 401 wherever a token is needed, 403 where some staff role
# may not, 404 where a path names something that may not exist, 409 where a rule of the process may refuse.
ANSWERS: dict[tuple[str, str], set[int]] = {
    ("get", "/healthz"): set(),
    ("post", "/api/v1/auth/token"): {401},
    ("get", "/api/v1/violation-types"): SIGNED_IN,  # every staff role reads the reference data
    ("get", "/api/v1/parcels"): SIGNED_IN,
    ("post", "/api/v1/complaints"): STAFF_ROLE,
    ("get", "/api/v1/cases/{case_number}"): SIGNED_IN | {404},  # every staff role reads a case
    ("post", "/api/v1/cases/{case_number}/actions/{action}"): STAFF_ROLE | {404, 409},
    ("post", "/api/v1/cases/{case_number}/events/{event}"): STAFF_ROLE | {404, 409},
    ("post", "/webhooks/sendgrid"): {403},  # a signature that does not verify
    ("post", "/webhooks/twilio"): {403},
    ("get", "/open311/v2/discovery.{fmt}"): {404},
    ("get", "/open311/v2/services.{fmt}"): {404},
    ("get", "/open311/v2/services/{service_code}.{fmt}"): {404},
    ("post", "/open311/v2/requests.{fmt}"): {403, 404},  # no api_key, or a revoked one
    ("get", "/open311/v2/requests.{fmt}"): {404},
    ("get", "/open311/v2/requests/{service_request_id}.{fmt}"): {404},
    ("get", "/open311/v2/tokens/{token}.{fmt}"): {404},
    ("get", "/api/v1/admin/open311-keys"): STAFF_ROLE,
    ("post", "/api/v1/admin/open311-keys"): STAFF_ROLE,
    ("post", "/api/v1/admin/open311-keys/{key_id}/revoke"): STAFF_ROLE | {404},
    ("get", "/api/v1/cases/{case_number}/documents/{name}"): STAFF_ROLE | {404},
    ("get", "/api/v1/print-queue"): STAFF_ROLE,
    ("post", "/api/v1/print-queue/{case_number}/notices/{seq}/mailed"): STAFF_ROLE | {404},
    ("post", "/api/v1/print-queue/{case_number}/letters/{letter}/mailed"): STAFF_ROLE | {404},
}


def operations() -> dict[tuple[str, str], dict[str, Any]]:
    document = create_app().openapi()
    return {(method, path): op for path, item in document["paths"].items() for method, op in item.items()}


def test_every_operation_declares_the_refusals_it_gives() -> None:
    declared = {key: {int(code) for code in op["responses"]} & REFUSALS for key, op in operations().items()}
    assert declared == ANSWERS


def test_a_declared_refusal_says_what_refused_and_has_the_shape_it_is_answered_in() -> None:
    for (method, path), op in operations().items():
        for code in {int(c) for c in op["responses"]} & REFUSALS:
            answer = op["responses"][str(code)]
            assert answer["description"] not in ("", "Additional Response"), (method, path, code)
            schema = answer["content"]["application/json"]["schema"]
            if path.startswith("/open311/"):
                assert schema["items"]["$ref"] == "#/components/schemas/Open311Problem", (method, path, code)
            else:
                assert schema["$ref"] == "#/components/schemas/Refusal", (method, path, code)


@pytest.fixture
async def anonymous(sqlite_url: str) -> AsyncIterator[Api]:
    async for client in open_api(make_settings(sqlite_url, "127.0.0.1:9")):
        yield client


async def test_every_operation_that_declares_401_gives_it_to_a_caller_without_a_token(anonymous: Api) -> None:
    for (method, path), op in operations().items():
        if "401" not in op["responses"] or path == "/api/v1/auth/token":
            continue
        url = re.sub(r"\{[a-z_]+\}", "1", path)
        answer = await anonymous.http.request(method.upper(), url)
        assert answer.status_code == 401, (method, path, answer.text)
