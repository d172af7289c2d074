"""docker-compose.yml and `scripts/cluster` run the same Temporal server the same way: the same version, the
same configuration file (shard count, stores), dynamic config, schema script, namespace job and search
attributes, and the same environment variable names. Nothing here runs Docker: the compose file is read."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from config.settings import Settings
from scripts import cluster_system as cluster
from tests.test_compose import compose, environment, host_path, service
from workers import temporal_namespace
from workers.devserver import TEMPORAL_CLI

ROOT = Path(__file__).resolve().parent.parent
SERVER_CONFIG = cluster.SERVER_CONFIG_DIR / f"{cluster.SERVER_CONFIG_NAME}.yaml"
CLUSTER_ENV = cluster.temporal_environment("postgresql+psycopg://abate:secret@db.example:5433/abate", 7233)


def setup_server_version() -> str:
    found = re.search(r"^TEMPORAL_SERVER_VERSION=(\S+)$", (ROOT / "scripts" / "setup").read_text(), re.MULTILINE)
    assert found, "scripts/setup names no TEMPORAL_SERVER_VERSION"
    return found.group(1)


def compose_server_command() -> list[str]:
    """The `exec temporal-server …` line of the temporal service's start script."""
    script = "\n".join(service("temporal")["command"])
    line = next(line for line in script.splitlines() if "temporal-server" in line)
    return shlex.split(line.removeprefix("exec").strip())


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def module_version(binary: Path, module: str) -> str:
    described = subprocess.run(["go", "version", "-m", str(binary)], capture_output=True, text=True, check=True)
    found = re.search(rf"^\s*(?:mod|dep)\s+{re.escape(module)}\s+(\S+)", described.stdout, re.MULTILINE)
    assert found, f"{binary} was not built from {module}"
    return found.group(1)


def test_compose_runs_the_server_version_that_setup_builds() -> None:
    version = setup_server_version()
    assert service("temporal")["image"] == f"temporalio/server:{version}"
    schema_tag = service("temporal-schema")["image"].split(":", 1)[1]
    assert schema_tag.split("-")[0] == version, "the schema tool must carry the server version's schemas"


def test_setup_builds_the_server_inside_the_cli_of_the_dev_server() -> None:
    if not TEMPORAL_CLI.exists():
        pytest.skip("the Temporal CLI is not built yet (scripts/setup)")
    assert module_version(TEMPORAL_CLI, "go.temporal.io/server") == f"v{setup_server_version()}"
    for binary in (cluster.TEMPORAL_SERVER, cluster.TOOLS_BIN / "temporal-sql-tool"):
        if binary.exists():
            assert module_version(binary, "go.temporal.io/server") == f"v{setup_server_version()}"


def test_both_start_the_server_with_the_same_configuration_file() -> None:
    argv = compose_server_command()
    container_file = f"{option(argv, '--root')}/{option(argv, '--config')}/{option(argv, '--env')}.yaml"
    assert host_path("temporal", container_file) == SERVER_CONFIG

    local = cluster.server_command()
    assert (
        ROOT / option(local, "--root") / option(local, "--config") / f"{option(local, '--env')}.yaml" == SERVER_CONFIG
    )
    assert local[-1] == argv[-1] == "start"


def test_both_give_the_server_the_same_dynamic_config() -> None:
    compose_file = host_path("temporal", environment("temporal")["DYNAMIC_CONFIG_FILE_PATH"])
    assert compose_file == Path(CLUSTER_ENV["DYNAMIC_CONFIG_FILE_PATH"]) == cluster.DYNAMIC_CONFIG_FILE


def test_both_set_up_the_schemas_with_the_same_script() -> None:
    entrypoint = service("temporal-schema")["entrypoint"]
    assert entrypoint[0] == "sh"
    assert host_path("temporal-schema", entrypoint[1]) == cluster.SCHEMA_SCRIPT
    assert "temporal-sql-tool" in cluster.SCHEMA_SCRIPT.read_text()


def test_the_shard_count_is_written_once_in_the_shared_file() -> None:
    """It can never change after the first start: no environment may override it on one side only."""
    assert re.search(r"^\s*numHistoryShards: \d+$", SERVER_CONFIG.read_text(), re.MULTILINE)
    assert "NUM_HISTORY_SHARDS" not in SERVER_CONFIG.read_text()
    assert "NUM_HISTORY_SHARDS" not in environment("temporal")
    assert "NUM_HISTORY_SHARDS" not in CLUSTER_ENV


def test_both_use_the_same_variable_names_and_each_is_read() -> None:
    """A misspelt name would leave a default in place on one side only."""
    compose_names = set(environment("temporal")) | set(environment("temporal-schema"))
    cluster_names = set(CLUSTER_ENV) - {"PATH"}
    assert compose_names <= cluster_names, (
        f"compose sets what scripts/cluster does not: {compose_names - cluster_names}"
    )
    read = set(re.findall(r'env "(\w+)"', SERVER_CONFIG.read_text()))
    read |= set(re.findall(r"\$\{?(\w+)", cluster.SCHEMA_SCRIPT.read_text()))
    assert cluster_names <= read, f"set but read by neither server.yaml nor schema.sh: {cluster_names - read}"


def test_both_register_the_namespace_and_search_attributes_with_the_same_code() -> None:
    assert service("temporal-namespace")["command"] == ["python", "-m", temporal_namespace.__name__]
    assert cluster.prepare_namespace is temporal_namespace.prepare_namespace
    default = Settings.model_fields["temporal_namespace"].default
    assert compose()["x-abate-env"]["TEMPORAL_NAMESPACE"] == default
    assert environment("temporal-ui")["TEMPORAL_DEFAULT_NAMESPACE"] == default


@pytest.mark.skipif(not cluster.TEMPORAL_SERVER.exists(), reason="the Temporal server is not built (scripts/setup)")
@pytest.mark.parametrize("side", ["compose", "cluster"])
def test_the_server_accepts_the_configuration_as_each_side_fills_it(side: str) -> None:
    """The server renders the shared file with each side's variables (compose's secrets as placeholders)."""
    if side == "compose":
        filled = {name: re.sub(r"\$\{[^}]*\}", "placeholder", value) for name, value in environment("temporal").items()}
        filled["DYNAMIC_CONFIG_FILE_PATH"] = str(host_path("temporal", filled["DYNAMIC_CONFIG_FILE_PATH"]))
    else:
        filled = CLUSTER_ENV
    rendered = subprocess.run(
        [*cluster.server_command()[:-2], "render-config"],
        env={"PATH": "/usr/bin:/bin", **filled},
        capture_output=True,
        text=True,
        check=False,
    )
    assert rendered.returncode == 0, rendered.stderr + rendered.stdout
    shards = re.search(r"numHistoryShards: (\d+)", SERVER_CONFIG.read_text())
    assert shards and re.search(rf"\bnumHistoryShards\W+{shards.group(1)}\b", rendered.stdout, re.IGNORECASE)


def test_with_database_url_temporal_goes_on_the_same_server_as_the_same_role() -> None:
    assert {name: CLUSTER_ENV[name] for name in ("POSTGRES_SEEDS", "DB_PORT", "POSTGRES_USER", "POSTGRES_PWD")} == {
        "POSTGRES_SEEDS": "db.example",
        "DB_PORT": "5433",
        "POSTGRES_USER": "abate",
        "POSTGRES_PWD": "secret",
    }
    assert (CLUSTER_ENV["DBNAME"], CLUSTER_ENV["VISIBILITY_DBNAME"]) == ("temporal", "temporal_visibility")
