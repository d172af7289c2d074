"""`/healthz` names the part that is down and answers 503 with `Retry-After`, so a load balancer and an operator
both know what to wait for."""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment

from tests.conftest import free_port, make_settings, open_api


async def test_healthz_says_every_part_is_ok_when_they_are(sqlite_url: str, temporal_dev: WorkflowEnvironment) -> None:
    settings = make_settings(sqlite_url, temporal_dev.client.service_client.config.target_host)
    async for api in open_api(settings):
        answer = await api.http.get("/healthz")
        assert answer.status_code == 200
        assert answer.json() == {"status": "ok", "database": "ok", "temporal": "ok"}


async def test_healthz_is_503_naming_temporal_while_temporal_is_down(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url, f"127.0.0.1:{free_port()}")  # nothing listens there
    async for api in open_api(settings):
        answer = await api.http.get("/healthz")
        assert answer.status_code == 503
        assert answer.json() == {"status": "down", "database": "ok", "temporal": "down"}
        assert int(answer.headers["Retry-After"]) > 0


async def test_healthz_is_503_naming_the_database_while_it_is_down(temporal_dev: WorkflowEnvironment) -> None:
    gone = f"postgresql+psycopg://abate@127.0.0.1:{free_port()}/abate"  # a PostgreSQL that is not running
    settings = make_settings(gone, temporal_dev.client.service_client.config.target_host)
    async for api in open_api(settings):
        answer = await api.http.get("/healthz")
        assert answer.status_code == 503
        assert answer.json() == {"status": "down", "database": "down", "temporal": "ok"}
        assert "Retry-After" in answer.headers
