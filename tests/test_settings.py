"""Settings come from the environment (and `.env`); a placeholder secret is refused outside dev mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from config.settings import DEV_SECRET_KEY, Environment, Settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout


def test_dev_mode_runs_with_no_configuration() -> None:
    settings = Settings()
    assert settings.is_dev
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith("var/abate.sqlite3")
    assert settings.temporal_address == "127.0.0.1:7233"
    assert settings.temporal_namespace == "default"


def test_the_environment_configures_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ABATE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://abate:pw@db:5432/abate")
    monkeypatch.setenv("TEMPORAL_ADDRESS", "temporal:7233")
    monkeypatch.setenv("TEMPORAL_NAMESPACE", "riverton")
    monkeypatch.setenv("TEMPORAL_TASK_QUEUE", "cases")
    settings = Settings()
    assert settings.abate_env is Environment.PRODUCTION
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert (settings.temporal_address, settings.temporal_namespace, settings.temporal_task_queue) == (
        "temporal:7233",
        "riverton",
        "cases",
    )
    assert "x" * 48 not in repr(settings)  # secrets never print


def test_a_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TEMPORAL_TASK_QUEUE=from-dotenv\n")
    assert Settings().temporal_task_queue == "from-dotenv"


@pytest.mark.parametrize("secret", [None, DEV_SECRET_KEY, "short"])
@pytest.mark.parametrize("environment", ["production", "test"])
def test_outside_dev_mode_a_placeholder_secret_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, environment: str, secret: str | None
) -> None:
    monkeypatch.setenv("ABATE_ENV", environment)
    if secret is not None:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ValidationError, match="SECRET_KEY must be set"):
        Settings()


def test_provider_messaging_in_production_needs_its_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ABATE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "y" * 40)
    monkeypatch.setenv("MESSAGING_BACKEND", "providers")
    with pytest.raises(ValidationError, match="SENDGRID_API_KEY"):
        Settings()
