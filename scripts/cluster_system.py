"""Runs the production shape on one machine (README command three, through scripts/cluster).

PostgreSQL (a cluster under var/postgres, unless DATABASE_URL names a PostgreSQL server); the Temporal server on
it, configured by deploy/temporal/ as docker-compose.yml's is, its schemas created or upgraded by the schema
tool; the namespace and Abate's search attributes; migrations and the city; several worker processes and an
API served by several processes. Ctrl-C stops every process it started; running it again resumes the same cases.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from sqlalchemy.engine import make_url

from config.settings import PROJECT_ROOT, VAR_DIR, Settings, get_settings
from records.demo_city import DEMO_PASSWORD
from scripts.demo_cases import wait_for_api
from scripts.local_system import prepare_database, spawn, stop_all
from scripts.postgres_cluster import PostgresCluster
from workers.temporal_namespace import prepare_namespace

TOOLS_BIN = PROJECT_ROOT / ".tools" / "bin"
TEMPORAL_SERVER = TOOLS_BIN / "temporal-server"
# The server's configuration shared with docker-compose.yml: `--config` is this folder, `--env` names the file.
SERVER_CONFIG_DIR = PROJECT_ROOT / "deploy" / "temporal"
SERVER_CONFIG_NAME = "server"
SCHEMA_SCRIPT = SERVER_CONFIG_DIR / "schema.sh"
DYNAMIC_CONFIG_FILE = SERVER_CONFIG_DIR / "dynamicconfig.yaml"
# Temporal's databases when the environment names none (compose sets the same two variables).
DEFAULT_DATABASES = {"DBNAME": "temporal", "VISIBILITY_DBNAME": "temporal_visibility"}
# Where operators run the compose file's temporalio/ui against this server (README).
UI_URL = "http://127.0.0.1:8080"

# Each port the server listens on, at the offset from the frontend's that the server's defaults have (7233:
# history 7234, matching 7235, worker 7239, HTTP 7243, membership 6933…), so one flag moves them all.
PORT_OFFSETS = {
    "FRONTEND_GRPC_PORT": 0,
    "HISTORY_GRPC_PORT": 1,
    "MATCHING_GRPC_PORT": 2,
    "WORKER_GRPC_PORT": 6,
    "FRONTEND_HTTP_PORT": 10,
    "FRONTEND_MEMBERSHIP_PORT": -300,
    "HISTORY_MEMBERSHIP_PORT": -299,
    "MATCHING_MEMBERSHIP_PORT": -298,
    "WORKER_MEMBERSHIP_PORT": -294,
}


def temporal_environment(database_url: str, frontend_port: int) -> dict[str, str]:
    """What the server's configuration (deploy/temporal/server.yaml) and the schema script read: Temporal's
    databases on the same PostgreSQL server, as the same role, as Abate's records."""
    url = make_url(database_url)
    return {
        "POSTGRES_SEEDS": url.host or "127.0.0.1",
        "DB_PORT": str(url.port or 5432),
        "POSTGRES_USER": url.username or "",
        "POSTGRES_PWD": url.password or "",
        **{name: os.environ.get(name, default) for name, default in DEFAULT_DATABASES.items()},
        "DYNAMIC_CONFIG_FILE_PATH": str(DYNAMIC_CONFIG_FILE),
        "BIND_ON_IP": "127.0.0.1",
        **{name: str(frontend_port + offset) for name, offset in PORT_OFFSETS.items()},
        "PATH": f"{TOOLS_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def server_command(*services: str) -> list[str]:
    """All of Temporal's services in one process, or only those named (each process then has its own ports)."""
    return [
        str(TEMPORAL_SERVER),
        "--root",
        str(PROJECT_ROOT),
        "--config",
        str(SERVER_CONFIG_DIR.relative_to(PROJECT_ROOT)),
        "--env",
        SERVER_CONFIG_NAME,
        # No authorizer: the frontend listens on loopback only, as in the compose file.
        "--allow-no-auth",
        "start",
        *(f"--service={service}" for service in services),
    ]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--api-processes", type=int, default=2, help="processes serving the API (default 2)")
    parser.add_argument("--api-port", type=int, default=8000)
    parser.add_argument(
        "--temporal-port", type=int, default=7233, help="the frontend's gRPC port; the others keep their offsets"
    )
    parser.add_argument("--postgres-port", type=int, default=5433, help="the cluster under var/ (without DATABASE_URL)")
    parser.add_argument("--state-dir", type=Path, default=VAR_DIR, help="where PostgreSQL's data and the logs live")
    args = parser.parse_args(argv)
    if not 1324 <= args.temporal_port <= 32767:
        parser.error("--temporal-port must be between 1324 and 32767: the server keeps its ports in a smallint")
    return args


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def prepare_temporal_databases(env: dict[str, str], log_dir: Path) -> None:
    """Creates or upgrades Temporal's schemas; `env` holds `temporal_environment`."""
    with (log_dir / "temporal-schema.log").open("ab") as log:
        done = subprocess.run(["sh", str(SCHEMA_SCRIPT)], env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"Temporal's schemas could not be set up; see {log_dir / 'temporal-schema.log'}")


def start_temporal(env: dict[str, str], log_dir: Path) -> subprocess.Popen[bytes]:
    prepare_temporal_databases(env, log_dir)
    return spawn("temporal", server_command(), log_dir, env)


async def _prepare_namespace(settings: Settings, server: subprocess.Popen[bytes], log_dir: Path) -> list[str]:
    """The namespace and search attributes, once the server answers; at once a clear failure if it exits."""
    preparing = asyncio.create_task(prepare_namespace(settings))
    while not preparing.done():
        if server.poll() is not None:
            preparing.cancel()
            raise SystemExit(f"the Temporal server exited while starting; see {log_dir / 'temporal.log'}")
        await asyncio.wait({preparing}, timeout=0.5)
    return preparing.result()


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if not TEMPORAL_SERVER.exists():
        raise SystemExit(f"{TEMPORAL_SERVER} is missing: run scripts/setup")
    began = time.monotonic()
    log_dir = args.state_dir / "log" / "cluster"
    log_dir.mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen[bytes]] = []
    postgres: PostgresCluster | None = None
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        database_url = os.environ.get("DATABASE_URL", "")
        if not database_url.startswith("postgresql"):
            postgres = PostgresCluster(args.state_dir / "postgres", args.postgres_port, durable=True)
            postgres.start()
            postgres.create_database("abate")
            database_url = postgres.url("abate")
        temporal_env = {**os.environ, **temporal_environment(database_url, args.temporal_port)}
        processes.append(start_temporal(temporal_env, log_dir))

        # The settings every Abate process reads, the migrations below included.
        os.environ.update(
            DATABASE_URL=database_url,
            TEMPORAL_ADDRESS=f"127.0.0.1:{args.temporal_port}",
            DOCUMENT_STORE_DIR=str(args.state_dir / "documents"),
        )
        os.environ.setdefault("TEMPORAL_UI_URL", UI_URL)
        get_settings.cache_clear()
        settings = get_settings()
        added = asyncio.run(_prepare_namespace(settings, processes[0], log_dir))
        if added:
            print(f"registered search attributes: {', '.join(added)}", flush=True)
        prepare_database()

        python = sys.executable
        for number in range(1, args.workers + 1):
            processes.append(spawn(f"worker-{number}", [python, "-m", "workers.main"], log_dir))
        api = [python, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(args.api_port)]
        processes.append(spawn("api", [*api, "--workers", str(args.api_processes)], log_dir))
        base_url = f"http://127.0.0.1:{args.api_port}"
        wait_for_api(base_url, alive=lambda: all(process.poll() is None for process in processes))
        print(
            f"""
Abate is running on a Temporal server on PostgreSQL (up in {time.monotonic() - began:.0f} s).
  Console and API   {base_url}/   ({args.api_processes} processes)
  Workers           {args.workers} processes
  Temporal gRPC     127.0.0.1:{args.temporal_port}   (Web UI: see the README, "Running in production")
  PostgreSQL        {make_url(database_url).render_as_string(hide_password=True)}
  Demo logins       {
                "clerk, officer, supervisor, hearing, finance, admin, password " + DEMO_PASSWORD
                if settings.is_dev
                else "none outside dev mode"
            }
  Logs              {log_dir}/
Press Ctrl-C to stop everything.""",
            flush=True,
        )
        while True:
            for process in processes:
                if process.poll() is not None:
                    print(f"a process exited (pid {process.pid}, code {process.returncode}); stopping", file=sys.stderr)
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave half of it running
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("stopping…", flush=True)
        stop_all(processes[1:], processes[:1])  # Abate's processes together, then the Temporal server
        if postgres is not None:
            postgres.stop()


if __name__ == "__main__":
    sys.exit(main())
