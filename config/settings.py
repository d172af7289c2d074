"""Runtime settings, read from the environment and an optional `.env`.

The variable names here are the contract with `docker-compose.yml` and any deployment:
a test checks that every name the compose file sets is one this class reads.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_ROOT / "config"
VAR_DIR = PROJECT_ROOT / "var"
# Browser libraries scripts/setup installs from npm (Leaflet), served by the app itself.
WEB_VENDOR_DIR = PROJECT_ROOT / ".tools" / "node_modules"

# Shipped so that `scripts/dev` works with no configuration at all; refused outside dev mode.
DEV_SECRET_KEY = "dev-only-secret-key-change-me-before-production"  # noqa: S105 - refused outside dev
MIN_SECRET_KEY_LENGTH = 32


class Environment(StrEnum):
    DEV = "dev"
    TEST = "test"
    PRODUCTION = "production"


class MessagingBackend(StrEnum):
    OUTBOX = "outbox"
    PROVIDERS = "providers"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    abate_env: Environment = Environment.DEV
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    access_token_minutes: int = Field(default=8 * 60, gt=0)

    database_url: str = f"sqlite:///{VAR_DIR / 'abate.sqlite3'}"

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "abate-cases"
    temporal_ui_url: str = "http://127.0.0.1:8233"
    # How long the API waits for Temporal before it answers 202 and leaves the start to the reconciler.
    temporal_start_timeout_seconds: float = Field(default=5.0, gt=0)
    reconcile_interval_seconds: float = Field(default=10.0, gt=0)
    # While stored work waits for Temporal, the reconciler asks Temporal's health this often (one cheap call, no
    # retries) and starts the work as soon as it answers, instead of waiting a whole interval.
    reconcile_retry_seconds: float = Field(default=1.0, gt=0)
    # Cases a worker process keeps in memory between their workflow tasks (README: sizing the worker's cache).
    temporal_max_cached_workflows: int = Field(default=1000, gt=0)
    # Temporal Cloud, or any server behind TLS: an API key, or a client certificate and its key (mTLS); either
    # turns TLS on. TEMPORAL_TLS alone: TLS with the server's certificate from a public authority, no client one.
    temporal_api_key: SecretStr | None = None
    temporal_tls: bool = False
    temporal_tls_client_cert: Path | None = None
    temporal_tls_client_key: Path | None = None
    # host:port where each worker process serves the SDK's metrics to Prometheus (/metrics); off when unset.
    temporal_metrics_address: str | None = None

    policy_file: Path = CONFIG_DIR / "policy.toml"
    # Notices as served, stored once each with their sha256 (a persistent volume in production).
    document_store_dir: Path = VAR_DIR / "documents"
    # The city: city.toml (name, office, bounds) and, for the demo, its assessment roll, officers and users.
    city_dir: Path = CONFIG_DIR / "demo_city"

    messaging_backend: MessagingBackend = MessagingBackend.OUTBOX
    sendgrid_api_key: SecretStr | None = None
    sendgrid_from_email: str = "code.enforcement@riverton.example"
    sendgrid_base_url: str | None = None
    # The event webhook's verification key, as SendGrid's settings page shows it (public, not a secret).
    sendgrid_webhook_public_key: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from_number: str | None = None
    twilio_base_url: str | None = None
    # Residents' replies: every case e-mail's Reply-To is case+<token>@ this domain, whose MX points at SendGrid's
    # Inbound Parse, which posts each message to PUBLIC_BASE_URL/webhooks/sendgrid/inbound with these basic-auth
    # credentials in the URL (https://user:password@host/webhooks/sendgrid/inbound). Without them nothing is taken.
    inbound_email_domain: str = "reply.riverton.example"
    sendgrid_inbound_username: str | None = None
    sendgrid_inbound_password: SecretStr | None = None
    # Where a dispute of the officer's reading of the code goes at once, beside the program manager.
    city_attorney_email: str = "city.attorney@riverton.example"

    # Online payment by Stripe Checkout: no secret key, no pay button. The webhook secret verifies Stripe's events;
    # the API base points the SDK elsewhere (stripe-mock in the tests).
    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str | None = None
    stripe_currency: str = "usd"

    public_base_url: str = "http://127.0.0.1:8000"

    # The hot-spot map's background: a city's own tile server, e.g. https://tiles.example.gov/{z}/{x}/{y}.png.
    # None: the cases are drawn at their parcels' coordinates on a plain background, and nothing is fetched.
    map_tile_url: str | None = None
    map_tile_attribution: str = ""

    @property
    def is_dev(self) -> bool:
        return self.abate_env is Environment.DEV

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        key = self.secret_key.get_secret_value()
        if not self.is_dev and (key == DEV_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH):
            raise ValueError(
                "SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters outside dev mode "
                '(for example: python -c "import secrets; print(secrets.token_urlsafe(48))")'
            )
        if (self.temporal_tls_client_cert is None) != (self.temporal_tls_client_key is None):
            raise ValueError("TEMPORAL_TLS_CLIENT_CERT and TEMPORAL_TLS_CLIENT_KEY go together (mTLS needs both)")
        providers_without_keys = self.messaging_backend is MessagingBackend.PROVIDERS and not (
            self.sendgrid_api_key and self.twilio_auth_token and self.twilio_account_sid
        )
        if self.abate_env is Environment.PRODUCTION and providers_without_keys:
            raise ValueError(
                "MESSAGING_BACKEND=providers needs SENDGRID_API_KEY, TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"
            )
        return self


def temporal_ui_link(settings: Settings, case_number: str) -> str:
    """The case's workflow in the Temporal UI, where operators see its history."""
    base = settings.temporal_ui_url.rstrip("/")
    return f"{base}/namespaces/{quote(settings.temporal_namespace)}/workflows/{quote(case_number)}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
