"""docker-compose.yml, the production topology, stays valid and in step with the code (ARCHITECTURE.md).

Nothing here runs Docker: the file is read as YAML and checked against the vendored Compose schema,
the settings class, the search attributes and the dev server's dynamic config.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from config.settings import Settings
from workers.devserver import DYNAMIC_CONFIG

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = Path(__file__).resolve().parent / "schemas" / "compose-spec.json"

APP_SERVICES = ("worker", "api", "migrate")
REQUIRED_SETTINGS = {
    "ABATE_ENV",
    "SECRET_KEY",
    "DATABASE_URL",
    "TEMPORAL_ADDRESS",
    "TEMPORAL_NAMESPACE",
    "TEMPORAL_TASK_QUEUE",
}
SECRET_NAME = re.compile(r"SECRET_KEY|_API_KEY$|_AUTH_TOKEN$|PASSWORD|_PWD$")
INTERPOLATION = re.compile(r"\$\{\w+(:?[-?][^}]*)?\}")
URL_PASSWORD = re.compile(r"://[^:/@\s]+:(.+)@")


@cache
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def service(name: str) -> dict[str, Any]:
    definition: dict[str, Any] = compose()["services"][name]
    return definition


def environment(name: str) -> dict[str, str]:
    """A service's environment, whether written as a mapping or as a list of KEY=VALUE."""
    env = service(name).get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def host_path(name: str, container_path: str) -> Path:
    """The file of this checkout that a service sees at `container_path`, through its bind mounts."""
    for volume in service(name).get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith(".") and (container_path == target or container_path.startswith(target + "/")):
            return ROOT / source / container_path.removeprefix(target).lstrip("/")
    raise AssertionError(f"{name} mounts nothing of this checkout at {container_path}")


def draft_validator(schema: dict[str, Any]) -> Any:
    """The validator class for the schema's `$schema`; jsonschema knows the draft URIs only as http://...#."""
    uri = schema["$schema"].replace("https://", "http://", 1).rstrip("#") + "#"
    validator = jsonschema.validators.validator_for({"$schema": uri}, default=None)
    assert validator is not None, f"unknown $schema {schema['$schema']}"
    return validator


def assignments(node: Any) -> Iterator[tuple[str, Any]]:
    """Every `NAME: value` and list item `NAME=value` anywhere in the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key), value
            yield from assignments(value)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, str) and re.match(r"[A-Za-z_]\w*=", item):
                name, _, value = item.partition("=")
                yield name, value
            yield from assignments(item)


def interpolated(value: Any) -> bool:
    return isinstance(value, str) and INTERPOLATION.fullmatch(value) is not None


def test_the_file_follows_the_compose_specification() -> None:
    schema = json.loads(SCHEMA.read_text())
    validator = draft_validator(schema)
    validator.check_schema(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(schema).iter_errors(compose())]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_set_only_variables_the_settings_read(name: str) -> None:
    fields = {field.upper() for field in Settings.model_fields}
    assert set(environment(name)) <= fields, f"not Settings fields: {sorted(set(environment(name)) - fields)}"


@pytest.mark.parametrize("name", ["worker", "api"])
def test_worker_and_api_get_the_required_settings(name: str) -> None:
    missing = REQUIRED_SETTINGS - set(environment(name))
    assert not missing, f"{name} lacks {sorted(missing)}"


def test_no_secret_is_written_in_the_file() -> None:
    literal = []
    for name, value in assignments(compose()):
        if SECRET_NAME.search(name) and not interpolated(value):
            literal.append(name)
        in_url = URL_PASSWORD.search(value) if isinstance(value, str) else None
        if in_url and not interpolated(in_url.group(1)):
            literal.append(f"{name} (the password in its URL)")
    assert not literal, f"secrets must come from the host environment as ${{...}}: {literal}"


def test_the_worker_scales() -> None:
    worker = service("worker")
    assert "container_name" not in worker
    assert "ports" not in worker


def test_the_server_gets_the_dev_servers_dynamic_config() -> None:
    config = yaml.safe_load(host_path("temporal", environment("temporal")["DYNAMIC_CONFIG_FILE_PATH"]).read_text())
    assert {key: values[0]["value"] for key, values in config.items()} == {
        key: json.loads(value) for key, value in DYNAMIC_CONFIG.items()
    }


@pytest.mark.parametrize("name", sorted(compose()["services"]))
def test_every_dependency_condition_can_be_met(name: str) -> None:
    depends_on = service(name).get("depends_on", {})
    conditions = depends_on if isinstance(depends_on, dict) else {}  # a plain list only waits for "started"
    for dependency, condition in conditions.items():
        if condition["condition"] == "service_healthy":
            assert "healthcheck" in service(dependency), f"{name} waits for {dependency} to be healthy"
        if condition["condition"] == "service_completed_successfully":
            assert service(dependency).get("restart", "no") == "no", f"{name} waits for {dependency} to exit"
