"""Shared fixtures: real Temporal servers (dev and time-skipping), a throw-away PostgreSQL cluster,
migrated databases holding the demo city, and the API wired to them.

Tests share one dev server and one time-skipping server per session. Each test's database numbers its
cases from its own block, so case numbers (the workflow ids) never collide between tests.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from config.settings import CONFIG_DIR, PROJECT_ROOT, Environment, Settings
from domain.city import City, load_city
from domain.policy import Policy, load_policy
from records.db import make_engine, session_factory, transaction
from records.demo_city import DEMO_PASSWORD, load_demo_city
from records.migrate import upgrade_to_head
from records.tables import Counter
from scripts.demo_cases import wait_for_api
from scripts.postgres_cluster import PostgresCluster
from tests.case_driver import CaseDriver, case_driver
from workers.devserver import TEMPORAL_CLI, TEST_SERVER, dynamic_config_flags
from workers.main import build_worker
from workflows import search_attributes as sa

pytest_plugins = ["tests.standins.fixtures"]  # the SendGrid and Twilio stand-ins

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
_case_blocks = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- Temporal -----------------------------------------------------------------------------------------


async def start_dev_server(**kwargs: object) -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=str(TEMPORAL_CLI),
        search_attributes=sa.ALL,
        dev_server_extra_args=dynamic_config_flags(),
        # The SDK's default of 5 s is not enough on a loaded two-core machine running several suites at once.
        dev_server_startup_timeout=timedelta(seconds=60),
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="session")
async def temporal_dev() -> AsyncIterator[WorkflowEnvironment]:
    """The Temporal CLI's dev server: visibility queries, the real server behaviour."""
    env = await start_dev_server()
    yield env
    await env.shutdown()


async def start_time_skipping_server() -> WorkflowEnvironment:
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(TEST_SERVER),
        test_server_startup_timeout=timedelta(seconds=60),
    )
    # The test server has no ListSearchAttributes: add them all, as it starts empty.
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(namespace=env.client.namespace, search_attributes=sa.indexed_types())
    )
    return env


@pytest.fixture(scope="session")
async def temporal_time() -> AsyncIterator[WorkflowEnvironment]:
    """The Java time-skipping test server: a 180-day case in seconds."""
    env = await start_time_skipping_server()
    yield env
    await env.shutdown()


# --- PostgreSQL ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    with throwaway_postgres() as url:
        yield url


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A throw-away cluster on a free port; yields the admin URL without a database."""
    # Not under pytest's tmp dir: that is private to root, and the cluster may run as another user.
    cluster = PostgresCluster(Path(tempfile.mkdtemp(prefix="abate-pg-")), free_port(), durable=False)
    cluster.start()
    try:
        yield cluster.url()
    finally:
        cluster.stop(immediately=True)
        shutil.rmtree(cluster.base, ignore_errors=True)


def fresh_postgres_database(server_url: str) -> str:
    """A new database cloned from one migrated with the demo city once per server (CREATE DATABASE …
    TEMPLATE copies files: milliseconds instead of seconds of migrations and inserts per test)."""
    admin = server_url.replace("+psycopg", "") + "/postgres"
    if server_url not in _postgres_templates:
        template = f"abate_template_{os.getpid()}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{template}"')
        _migrated_with_demo_city(f"{server_url}/{template}")
        _postgres_templates[server_url] = template
    name = f"abate_{next(_case_blocks)}_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_postgres_templates[server_url]}"')
    return _numbered_from_own_block(f"{server_url}/{name}")


# --- Databases with the demo city ---------------------------------------------------------------------


_postgres_templates: dict[str, str] = {}  # server URL -> its migrated template database
_sqlite_template: list[Path] = []  # the one migrated SQLite file of this test process, once made


def _migrated_with_demo_city(url: str) -> None:
    upgrade_to_head(url)
    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        load_demo_city(session, CONFIG_DIR / "demo_city", with_demo_users=True)
    engine.dispose()


def _numbered_from_own_block(url: str) -> str:
    """Gives the database its own block of case numbers, so workflow ids never collide between tests."""
    engine = make_engine(url)
    year = datetime.now(UTC).year
    with transaction(session_factory(engine)) as session:
        block = next(_case_blocks) * 1000
        for y in (year - 1, year, year + 1):  # the city's local year may differ from UTC's at New Year
            session.add(Counter(name=f"case_number:{y}", value=block))
    engine.dispose()
    return url


def prepare_database(url: str) -> str:
    """A migrated database with the demo city and users and its own block of case numbers.

    Migrating and loading the city takes about two seconds; it is done once per test process and the
    file is copied (through SQLite's backup API, which copies a consistent database) for every test.
    Another database (a benchmark's PostgreSQL) is migrated and loaded in place."""
    if not url.startswith("sqlite:///"):
        _migrated_with_demo_city(url)
        return _numbered_from_own_block(url)
    if not _sqlite_template:
        template = Path(tempfile.mkdtemp(prefix="abate-template-")) / "abate.sqlite3"
        _migrated_with_demo_city(f"sqlite:///{template}")
        _sqlite_template.append(template)
    with (
        contextlib.closing(sqlite3.connect(_sqlite_template[0])) as source,
        contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as target,
    ):
        source.backup(target)
    return _numbered_from_own_block(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return prepare_database(f"sqlite:///{tmp_path / 'abate.sqlite3'}")


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test against the embedded default and against real PostgreSQL."""
    if request.param == "sqlite":
        return prepare_database(f"sqlite:///{tmp_path / 'abate.sqlite3'}")
    return fresh_postgres_database(request.getfixturevalue("postgres_server"))


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy(CONFIG_DIR / "policy.toml")


@pytest.fixture(scope="session")
def city() -> City:
    return load_city(CONFIG_DIR / "demo_city" / "city.toml")


# --- The API ------------------------------------------------------------------------------------------


def make_settings(database_url: str, temporal_address: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "abate_env": Environment.TEST,
        "secret_key": TEST_SECRET,
        "database_url": database_url,
        "temporal_address": temporal_address,
        "temporal_task_queue": f"abate-test-{next(_case_blocks)}",
        "temporal_start_timeout_seconds": 3.0,
        "reconcile_interval_seconds": 0.5,
        **overrides,
    }
    return Settings.model_validate(values)


class Api:
    """An in-process API client that signs in as any demo user."""

    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self.http = client
        self.settings = settings
        self._tokens: dict[str, str] = {}

    async def headers(self, username: str) -> dict[str, str]:
        if username not in self._tokens:
            answer = await self.http.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
            assert answer.status_code == 200, answer.text
            self._tokens[username] = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[username]}"}

    async def post(self, url: str, username: str, **kwargs: object) -> httpx.Response:
        return await self.http.post(url, headers=await self.headers(username), **kwargs)  # type: ignore[arg-type]

    async def get(self, url: str, username: str, **kwargs: object) -> httpx.Response:
        return await self.http.get(url, headers=await self.headers(username), **kwargs)  # type: ignore[arg-type]


async def open_api(settings: Settings) -> AsyncIterator[Api]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://abate.test") as http:
            yield Api(http, settings)


@pytest.fixture
async def api(sqlite_url: str, temporal_dev: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Api]:
    # The document store the `worker` fixture writes letters to, so the console can serve them.
    settings = make_settings(
        sqlite_url, temporal_dev.client.service_client.config.target_host, document_store_dir=tmp_path / "documents"
    )
    async for client in open_api(settings):
        yield client


@contextlib.contextmanager
def running_system(
    database_url: str, temporal_dev: WorkflowEnvironment, *, worker: bool = True, **env_vars: str
) -> Iterator[str]:
    """The worker and the API as the README runs them, real processes; yields the API's base URL and checks
    that both stop cleanly on SIGTERM. Without `worker`, the API alone (the caller runs a worker itself).
    Letters go to a document store of their own unless the caller names one: case numbers repeat from run to
    run, and a stored letter is never overwritten."""
    port = free_port()
    documents = tempfile.TemporaryDirectory(prefix="abate-documents-")
    env = {
        **os.environ,
        "ABATE_ENV": "test",
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": database_url,
        "TEMPORAL_ADDRESS": temporal_dev.client.service_client.config.target_host,
        "TEMPORAL_TASK_QUEUE": f"e2e-{port}",
        "DOCUMENT_STORE_DIR": documents.name,
        **env_vars,
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
        ),
    ]
    if worker:
        processes.append(subprocess.Popen([sys.executable, "-m", "workers.main"], cwd=PROJECT_ROOT, env=env))
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_api(base_url, within=60, alive=lambda: all(p.poll() is None for p in processes))
        yield base_url
        for process in processes:  # graceful: SIGTERM lets the worker drain and both exit cleanly
            process.send_signal(signal.SIGTERM)
        api_code, *worker_code = (p.wait(timeout=40) for p in processes)
        # uvicorn re-raises the signal once its graceful shutdown is done, as a well-behaved process does.
        assert worker_code in ([], [0]) and api_code in (0, -signal.SIGTERM)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
        documents.cleanup()


def client_of(env: WorkflowEnvironment) -> Client:
    return env.client


@pytest.fixture
async def worker(api: Api, temporal_dev: WorkflowEnvironment) -> AsyncIterator[None]:
    """The real worker for the API's task queue, in this process."""
    sessions = session_factory(make_engine(api.settings.database_url))
    with ThreadPoolExecutor(4) as executor:
        queue = api.settings.temporal_task_queue
        async with build_worker(
            temporal_dev.client, queue, sessions, executor, document_store=api.settings.document_store_dir
        ):
            yield


@pytest.fixture(scope="module")
async def cases(
    temporal_time: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory, policy: Policy
) -> AsyncIterator[CaseDriver]:
    """Cases on the time-skipping server with one worker per module: time skipping waits on every
    workflow, so none may lose its worker while others run."""
    url = prepare_database(f"sqlite:///{tmp_path_factory.mktemp('cases') / 'abate.sqlite3'}")
    async with case_driver(temporal_time, session_factory(make_engine(url)), policy, f"cases-{uuid.uuid4()}") as driver:
        yield driver
