"""How Abate runs Temporal's dev server: the flags the local system and the test fixtures share."""

from __future__ import annotations

from pathlib import Path

from config.settings import PROJECT_ROOT
from workflows.search_attributes import dev_server_flags

TEMPORAL_CLI = PROJECT_ROOT / ".tools" / "bin" / "temporal"
TEST_SERVER = PROJECT_ROOT / ".tools" / "bin" / "temporal-test-server"

# Staff actions are workflow updates, and intake may use update-with-start (ExecuteMultiOperation).
DYNAMIC_CONFIG = {
    "frontend.enableUpdateWorkflowExecution": "true",
    "frontend.enableUpdateWorkflowExecutionAsyncAccepted": "true",
    "frontend.enableExecuteMultiOperation": "true",
}


def dynamic_config_flags() -> list[str]:
    flags: list[str] = []
    for key, value in DYNAMIC_CONFIG.items():
        flags += ["--dynamic-config-value", f"{key}={value}"]
    return flags


def dev_server_command(db_file: Path, *, port: int, ui_port: int, namespace: str) -> list[str]:
    return [
        str(TEMPORAL_CLI),
        "server",
        "start-dev",
        "--db-filename",
        str(db_file),
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--ui-port",
        str(ui_port),
        "--namespace",
        namespace,
        # WAL and relaxed sync: the dev server's single SQLite connection is the local throughput ceiling.
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
        "--log-level",
        "warn",
        *dev_server_flags(),
        *dynamic_config_flags(),
    ]
