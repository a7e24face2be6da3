"""Local cloud endpoints for deploy tests: moto's server on 127.0.0.1 behind a fault-injecting proxy."""

from __future__ import annotations

import contextlib
import urllib.request

import pytest

from tests.deploy.proxy import FaultProxy


@pytest.fixture(scope="session")
def moto_server():
    """One moto server (real HTTP on 127.0.0.1) for the session: starting one takes about a second, and
    every test empties it first (`aws` below)."""
    from moto.server import ThreadedMotoServer
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture()
def aws(monkeypatch: pytest.MonkeyPatch, moto_server: str):
    """The session's moto server, emptied, and a fresh proxy in front of it; boto3 is pointed at the
    proxy through the standard AWS_* environment variables, exactly as a user's shell would."""
    # moto keeps its state per process, not per server: start every test from an empty account
    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"), timeout=10)
    with FaultProxy(moto_server) as proxy:
        aws_environment(monkeypatch, proxy.url)
        yield proxy


def aws_environment(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> None:
    """The standard AWS_* variables for test credentials and a local endpoint, nothing else of the user's."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ENDPOINT_URL": endpoint,
                        # never ask an instance-metadata address for credentials
                        "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")


_KEY_PEM: list[str] = []


def _service_account_pem() -> str:
    """An RSA key for a service-account key file (made once: 2048-bit keys take a while)."""
    if not _KEY_PEM:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        _KEY_PEM.append(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()).decode())
    return _KEY_PEM[0]


@contextlib.contextmanager
def google_endpoint(monkeypatch: pytest.MonkeyPatch, key_dir):
    """A FakeGoogle server behind a fault proxy, with the environment pointing the deployer at it."""
    import json

    from tests.deploy.fake_google import FakeGoogle
    with FakeGoogle() as fake, FaultProxy(fake.url) as proxy:
        creds = key_dir / "key.json"
        creds.write_text(json.dumps({
            "type": "service_account", "project_id": "shop-prod", "private_key_id": "test",
            "private_key": _service_account_pem(), "client_email": "deployer@shop-prod.iam.gserviceaccount.com",
            "client_id": "1", "token_uri": proxy.url + "/token"}))
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(creds))
        monkeypatch.setenv("GWC_SERVICEMANAGEMENT_ENDPOINT", proxy.url + "/")
        monkeypatch.setenv("GWC_APIGATEWAY_ENDPOINT", proxy.url + "/")
        monkeypatch.setenv("NO_GCE_CHECK", "true")  # never probe the metadata server
        proxy.fake = fake
        yield proxy


@pytest.fixture()
def google(monkeypatch: pytest.MonkeyPatch, tmp_path_factory):
    """A FakeGoogle server behind the fault proxy, and Application Default Credentials that are a real
    service-account key whose token endpoint is that server (google-auth signs and exchanges it for real)."""
    with google_endpoint(monkeypatch, tmp_path_factory.mktemp("adc")) as proxy:
        yield proxy


@contextlib.contextmanager
def azure_endpoint(monkeypatch: pytest.MonkeyPatch):
    """A FakeArm server behind a fault proxy, with the environment pointing the deployer at it."""
    from tests.deploy.fake_azure import FakeArm
    with FakeArm() as fake, FaultProxy(fake.url) as proxy:
        monkeypatch.setenv("GWC_AZURE_ENDPOINT", proxy.url)
        monkeypatch.setenv("GWC_AZURE_TOKEN", "test-token")
        proxy.fake = fake
        yield proxy


@pytest.fixture()
def azure(monkeypatch: pytest.MonkeyPatch):
    """A FakeArm server behind the fault proxy; the SDK is pointed at it with GWC_AZURE_ENDPOINT and
    authenticates with a static bearer token (azure-core refuses bearer tokens over plain http)."""
    with azure_endpoint(monkeypatch) as proxy:
        yield proxy


def pytest_terminal_summary(terminalreporter) -> None:
    """How many failures the retry-safety tests injected, per target and kind (tests/deploy/faults.py)."""
    from tests.deploy.faults import CASES, INJECTED
    if not CASES:
        return
    terminalreporter.section("deploy faults injected")
    for key in sorted(CASES):
        terminalreporter.write_line(f"{key}: {CASES[key]} cases, {INJECTED[key]} failures injected")
    terminalreporter.write_line(f"total: {sum(CASES.values())} cases, {sum(INJECTED.values())} failures injected")
