"""Schemathesis over the whole OpenAPI document, against the API as the README runs it (a real uvicorn process on
PostgreSQL, the Temporal dev server): every operation, signed in as staff and without a token, never answers 5xx.

Whatever a route refuses it refuses as the client's mistake (4xx); a 5xx here is a bug to fix, not to skip.
Bounded for the suite: a few derandomized examples per operation (the same ones every run), no deadline.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from records.demo_city import DEMO_PASSWORD
from tests.conftest import fresh_postgres_database, running_system

pytestmark = [pytest.mark.devserver, pytest.mark.postgres]

# The document the API serves, built as it builds it: collected without a server, run against a real one.
schema = schemathesis.openapi.from_dict(create_app().openapi())

FUZZ = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@pytest.fixture(scope="module")
def api_base_url(postgres_server: str, temporal_dev: WorkflowEnvironment) -> Iterator[str]:
    with running_system(fresh_postgres_database(postgres_server), temporal_dev, worker=False) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def staff_tokens(api_base_url: str) -> dict[str, dict[str, str]]:
    """Bearer headers of a supervisor (the staff role that may take most actions) and an administrator (who alone
    manages Open311 keys), so that every route is exercised past its role check."""
    headers = {}
    for username in ("supervisor", "admin"):
        answer = httpx.post(f"{api_base_url}/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
        headers[username] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    return headers


def staff_user(case: Case) -> str:
    return "admin" if case.path.startswith("/api/v1/admin/") else "supervisor"


@schema.parametrize()
@FUZZ
def test_no_route_answers_staff_with_a_server_error(
    case: Case, api_base_url: str, staff_tokens: dict[str, dict[str, str]]
) -> None:
    headers = staff_tokens[staff_user(case)]  # over whatever headers the case was generated with
    case.call_and_validate(base_url=api_base_url, headers=headers, checks=[not_a_server_error], timeout=30)


@schema.parametrize()
@FUZZ
def test_no_route_answers_a_caller_without_a_token_with_a_server_error(case: Case, api_base_url: str) -> None:
    case.call_and_validate(base_url=api_base_url, checks=[not_a_server_error], timeout=30)
