"""Secrets never leak from compiling, for every target: a spec whose secrets are distinctive values
(API keys and a JWT HMAC secret in the environment, an HMAC secret and API keys in files, an Azure secret
named value from the environment and one from a Key Vault reference, an Application Insights key from the
environment) is compiled for each of the six targets at every verbosity and output format, and stdout,
stderr and every file written are searched for each value and for the encodings a target could plausibly
write it in (base64, base64url, hex, SHA-256 as hex and as base64). None may appear: a secret is a
reference, resolved where the gateway runs (or, for Azure, by `gwc deploy` straight into APIM).

The same values and the search are used by test_secrets_deploy.py for the deploy logs."""

from __future__ import annotations

import base64
import copy
import hashlib
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gwc.cli import app

ENV_SECRETS = {
    "GWC_LEAK_JWT_SECRET": "leak-env-hs-secret-3f9c1a0e77",
    "GWC_LEAK_API_KEYS": "leak-env-api-key-one-7b2d55,leak-env-api-key-two-9e4f66",
    "GWC_LEAK_AI_KEY": "leak-env-appinsights-key-5a8c31",
}
FILE_SECRETS = {"hs-secret.txt": "leak-file-hs-secret-2c6e84b1",
                "api-keys.txt": "leak-file-api-key-one-8d1b02\nleak-file-api-key-two-4a7f93"}
TARGETS = ["nginx", "aws", "gcp", "azure", "istio", "gateway-api"]
MODES = {"default": [], "verbose": ["-v"], "json": ["--format", "json"], "github": ["--format", "github"],
         "sarif": ["--format", "sarif"]}


def secret_values() -> list[str]:
    """Every secret value, a list split into its items."""
    values = []
    for value in [*ENV_SECRETS.values(), *FILE_SECRETS.values()]:
        values += [v for v in value.replace("\n", ",").split(",") if v]
    return values


def forms(value: str) -> dict[str, str]:
    """The value and the encodings a target could write it in."""
    raw = value.encode()
    digest = hashlib.sha256(raw).digest()
    return {"plain": value, "base64": base64.b64encode(raw).decode().rstrip("="),
            "base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="), "hex": raw.hex(),
            "sha256 hex": digest.hex(), "sha256 base64": base64.b64encode(digest).decode().rstrip("="),
            "sha256 base64url": base64.urlsafe_b64encode(digest).decode().rstrip("=")}


def leaks(text: str, extra: list[str] = ()) -> list[str]:
    """Which secret (by a short prefix) shows up in which form; [] when none does. Case-insensitive for
    the hex forms."""
    found = []
    lowered = text.lower()
    for value in [*secret_values(), *extra]:
        for name, form in forms(value).items():
            hit = form.lower() in lowered if "hex" in name else form in text
            if hit:
                found.append(f"{value[:14]}... as {name}")
    return found


def write_secret_files(folder: Path) -> dict[str, Path]:
    paths = {}
    for name, value in FILE_SECRETS.items():
        paths[name] = folder / name
        paths[name].write_text(value + "\n")
    return paths


def leak_spec(target: str, files: dict[str, Path]) -> dict:
    """Every kind of secret reference the target can take (the rest compiled with --allow-lossy)."""
    auth = {
        "staff": {"jwt": {"issuer": "https://login.leak.example/", "audiences": ["leak-api"],
                          "secret": {"env": "GWC_LEAK_JWT_SECRET"}}},
        "robots": {"jwt": {"issuer": "https://robots.leak.example/", "audiences": ["leak-api"],
                           "secret": {"file": str(files["hs-secret.txt"])}, "header": "X-Robot-Token"}},
        "partners": {"api_key": {"header": "X-API-Key", "keys": {"env": "GWC_LEAK_API_KEYS"}}},
        "filekeys": {"api_key": {"header": "X-File-Key", "keys": {"file": str(files["api-keys.txt"])}}},
    }
    routes = [{"path": "/staff", "service": "app", "auth": "staff"},
              {"path": "/robots", "service": "app", "auth": "robots"},
              {"path": "/partners", "service": "app", "auth": "partners",
               "rate_limit": {"rate": "10/s", "burst": 5, "per": "api_key"}},
              {"path": "/files", "service": "app", "auth": "filekeys"},
              {"path": "/either", "service": "app", "auth": ["staff", "partners"]}]
    spec = {"gwc": 1, "name": "leak", "title": "Leak API", "version": "1.0.0",
            "services": {"app": {"url": "https://app.leak.example"}}, "auth": auth, "routes": routes,
            "targets": {"aws": {"region": "eu-west-1", "stage": "prod"},
                        "gcp": {"project": "leak-prod", "service": "leak.endpoints.leak-prod.cloud.goog"},
                        "azure": {"subscription_id": "00000000-0000-0000-0000-000000000001",
                                  "resource_group": "rg-leak", "service": "leak-apim"}}}
    if target == "azure":
        spec = copy.deepcopy(spec)
        spec["auth"]["vault"] = {"jwt": {"issuer": "https://vault.leak.example/", "audiences": ["leak-api"],
                                         "header": "X-Vault-Token", "secret": {
                                             "azure_keyvault": "https://leak-kv.vault.azure.net/secrets/hs"}}}
        spec["routes"].append({"path": "/vault", "service": "app", "auth": "vault"})
        spec["observability"] = {"access_log": {"format": "json"}}
        spec["targets"]["azure"]["app_insights"] = {"instrumentation_key": {"env": "GWC_LEAK_AI_KEY"}}
    return spec


@pytest.fixture()
def secrets_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Path]:
    for name, value in ENV_SECRETS.items():
        monkeypatch.setenv(name, value)
    return write_secret_files(tmp_path)


def test_the_search_finds_each_form() -> None:
    value = secret_values()[0]
    for name, form in forms(value).items():
        assert leaks(f"x {form} y"), name
    assert leaks("nothing here") == []


@pytest.mark.parametrize("target", TARGETS)
def test_compile_output_never_holds_a_secret(secrets_env: dict[str, Path], tmp_path: Path, target: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(leak_spec(target, secrets_env), sort_keys=False))
    for mode, extra in MODES.items():
        out = tmp_path / f"out-{mode}"
        result = CliRunner().invoke(app, ["compile", str(spec), "-t", target, "-o", str(out), "--allow-lossy",
                                          *extra])
        assert result.exit_code == 0, (mode, result.output)
        written = {p: p.read_bytes().decode("utf-8", "replace") for p in out.rglob("*") if p.is_file()}
        assert written, mode
        assert leaks(result.stdout) == [], (mode, "stdout")
        assert leaks(result.stderr) == [], (mode, "stderr")
        for path, text in written.items():
            assert leaks(text) == [], (mode, str(path.relative_to(out)))
    # the references themselves are there: the secrets were used, by name, not dropped on the floor
    everything = "".join(p.read_text() for p in (tmp_path / "out-default").rglob("*") if p.is_file())
    if target in ("nginx", "azure"):
        assert "GWC_LEAK_JWT_SECRET" in everything


def test_check_mode_and_diff_never_print_a_secret(secrets_env: dict[str, Path], tmp_path: Path) -> None:
    """--check and diff print what differs between folders: not the secrets either."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(leak_spec("azure", secrets_env), sort_keys=False))
    out = tmp_path / "out"
    compiled = CliRunner().invoke(app, ["compile", str(spec), "-t", "azure", "-o", str(out), "--allow-lossy"])
    assert compiled.exit_code == 0, compiled.output
    for path in out.rglob("*.json"):
        path.write_text(path.read_text().replace("leak", "LEAK"))
    for args in (["compile", str(spec), "-t", "azure", "-o", str(out), "--allow-lossy", "--check"],
                 ["diff", str(spec), "-t", "azure", "--against", str(out), "--allow-lossy"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 1, (args, result.output)
        assert leaks(result.stdout + result.stderr) == [], args
