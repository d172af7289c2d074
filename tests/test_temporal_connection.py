"""Connecting to Temporal Cloud or any server behind TLS (an API key, or a client certificate), and the workers'
SDK metrics for Prometheus: the settings the README's "Running in production" names."""

from __future__ import annotations

import datetime
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError
from temporalio.testing import WorkflowEnvironment

from services.temporal_client import connect
from tests.conftest import free_port, make_settings
from workers.main import metrics_runtime


def dev_server_address(env: WorkflowEnvironment) -> str:
    return env.client.service_client.config.target_host


async def test_without_tls_settings_a_plain_server_is_reached(temporal_dev: WorkflowEnvironment) -> None:
    client = await connect(make_settings("sqlite://", dev_server_address(temporal_dev)))
    assert (await client.service_client.check_health()) is True


@pytest.mark.parametrize("setting", ["temporal_tls", "temporal_api_key", "client_certificate"])
async def test_tls_settings_speak_tls_to_the_server(
    setting: str, temporal_dev: WorkflowEnvironment, tmp_path: Path
) -> None:
    """The dev server speaks plain gRPC, so a client that really uses TLS cannot reach it."""
    tls: dict[str, object] = {"temporal_tls": True} if setting == "temporal_tls" else {"temporal_api_key": "cloud-key"}
    if setting == "client_certificate":
        cert, key = self_signed(tmp_path)
        tls = {"temporal_tls_client_cert": cert, "temporal_tls_client_key": key}
    with pytest.raises(RuntimeError, match=r"(?i)connect|tls|transport"):
        await connect(make_settings("sqlite://", dev_server_address(temporal_dev), **tls))


def test_a_client_certificate_without_its_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="TEMPORAL_TLS_CLIENT_CERT and TEMPORAL_TLS_CLIENT_KEY"):
        make_settings("sqlite://", "127.0.0.1:7233", temporal_tls_client_cert=tmp_path / "client.pem")


async def test_the_worker_serves_the_sdks_metrics_to_prometheus(temporal_dev: WorkflowEnvironment) -> None:
    address = f"127.0.0.1:{free_port()}"
    settings = make_settings("sqlite://", dev_server_address(temporal_dev), temporal_metrics_address=address)
    client = await connect(settings, runtime=metrics_runtime(settings))
    await client.count_workflows()
    async with httpx.AsyncClient() as http:
        metrics = (await http.get(f"http://{address}/metrics")).text
    assert "temporal_request" in metrics


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A client certificate and its key, as a Temporal Cloud namespace's CA would issue them."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "abate-worker")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "client.pem", directory / "client.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file
