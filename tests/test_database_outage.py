"""PostgreSQL restarted under the API (issue 17): while it is gone every request answers 503 with `Retry-After`,
never a server error and never a half-stored complaint; the API recovers by itself once it is back."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from records.db import make_engine, session_factory
from records.tables import Case, Complaint
from scripts.postgres_cluster import PostgresCluster
from tests.conftest import free_port, make_settings, open_api, prepare_database


@pytest.fixture
def own_postgres() -> Iterator[PostgresCluster]:
    """A cluster of this test's own, since it is stopped and started again; durable, as a committed complaint
    must outlive the crash."""
    cluster = PostgresCluster(Path(tempfile.mkdtemp(prefix="abate-pg-restart-")), free_port(), durable=True)
    cluster.start()
    cluster.create_database("abate")
    yield cluster
    cluster.stop(immediately=True)
    shutil.rmtree(cluster.base, ignore_errors=True)


async def test_the_api_answers_503_while_postgresql_restarts_and_recovers_by_itself(
    own_postgres: PostgresCluster, temporal_dev: WorkflowEnvironment, tmp_path: Path
) -> None:
    url = prepare_database(own_postgres.url("abate"))
    address = temporal_dev.client.service_client.config.target_host
    settings = make_settings(url, address, document_store_dir=tmp_path / "documents")
    complaint = {"violation_code": "PS-GRASS", "description": "Grass knee-high", "channel": "phone"}
    async with contextlib.asynccontextmanager(open_api)(settings) as api:
        headers = await api.headers("clerk")
        before = await api.http.post(
            "/api/v1/complaints", headers=headers, json={**complaint, "address": "142 Maple Dr"}
        )
        assert before.status_code == 201, before.text

        own_postgres.stop(immediately=True)  # as a crash: no connection is closed cleanly
        during = {**complaint, "address": "109 E 14th St"}
        refused = await api.http.post("/api/v1/complaints", headers=headers, json=during)
        assert (refused.status_code, refused.headers.get("Retry-After")) == (503, "5"), refused.text
        case_page = await api.http.get(f"/api/v1/cases/{before.json()['case_number']}", headers=headers)
        assert case_page.status_code == 503

        own_postgres.start()
        after = await api.http.post("/api/v1/complaints", headers=headers, json=during)
        assert after.status_code == 201, after.text

    with session_factory(make_engine(url))() as session:
        assert session.exec(select(func.count()).select_from(Complaint)).one() == 2
        assert session.exec(select(func.count()).select_from(Case)).one() == 2
