"""Local cloud endpoints for deploy tests: moto's server on 127.0.0.1 behind a fault-injecting proxy."""

from __future__ import annotations

import urllib.request

import pytest

from tests.deploy.proxy import FaultProxy


@pytest.fixture()
def aws(monkeypatch: pytest.MonkeyPatch):
    """A fresh moto server (real HTTP on 127.0.0.1) and a proxy in front of it; boto3 is pointed at the
    proxy through the standard AWS_* environment variables, exactly as a user's shell would."""
    from moto.server import ThreadedMotoServer
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    # moto keeps its state per process, not per server: start every test from an empty account
    urllib.request.urlopen(urllib.request.Request(f"http://{host}:{port}/moto-api/reset", method="POST"), timeout=10)
    try:
        with FaultProxy(f"http://{host}:{port}") as proxy:
            for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                                "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ENDPOINT_URL": proxy.url,
                                # never ask an instance-metadata address for credentials
                                "AWS_EC2_METADATA_DISABLED": "true"}.items():
                monkeypatch.setenv(name, value)
            for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
                monkeypatch.delenv(name, raising=False)
            monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
            monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            yield proxy
    finally:
        server.stop()


@pytest.fixture()
def google(monkeypatch: pytest.MonkeyPatch, tmp_path_factory):
    """A FakeGoogle server behind the fault proxy, and Application Default Credentials that are a real
    service-account key whose token endpoint is that server (google-auth signs and exchanges it for real)."""
    import json

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tests.deploy.fake_google import FakeGoogle
    with FakeGoogle() as fake, FaultProxy(fake.url) as proxy:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
        creds = tmp_path_factory.mktemp("adc") / "key.json"
        creds.write_text(json.dumps({
            "type": "service_account", "project_id": "shop-prod", "private_key_id": "test",
            "private_key": pem, "client_email": "deployer@shop-prod.iam.gserviceaccount.com",
            "client_id": "1", "token_uri": proxy.url + "/token"}))
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(creds))
        monkeypatch.setenv("GWC_SERVICEMANAGEMENT_ENDPOINT", proxy.url + "/")
        monkeypatch.setenv("GWC_APIGATEWAY_ENDPOINT", proxy.url + "/")
        monkeypatch.setenv("NO_GCE_CHECK", "true")  # never probe the metadata server
        proxy.fake = fake
        yield proxy


@pytest.fixture()
def azure(monkeypatch: pytest.MonkeyPatch):
    """A FakeArm server behind the fault proxy; the SDK is pointed at it with GWC_AZURE_ENDPOINT and
    authenticates with a static bearer token (azure-core refuses bearer tokens over plain http)."""
    from tests.deploy.fake_azure import FakeArm
    with FakeArm() as fake, FaultProxy(fake.url) as proxy:
        monkeypatch.setenv("GWC_AZURE_ENDPOINT", proxy.url)
        monkeypatch.setenv("GWC_AZURE_TOKEN", "test-token")
        proxy.fake = fake
        yield proxy
