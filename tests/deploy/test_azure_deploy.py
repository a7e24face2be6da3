"""`gwc deploy --target azure` with the real azure-mgmt-apimanagement SDK sending real HTTP to a small
local Resource Manager stand-in (tests/deploy/fake_azure.py) behind a recording, fault-injecting proxy.
Assertions are on what the server received and holds."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import yaml
from typer.testing import CliRunner

from gwc.cli import app
from tests.conftest import ROOT

SUB = "00000000-0000-0000-0000-000000000001"
SECRET = "hmac-secret-for-azure-deploy-test"
SPEC = {
    "gwc": 1, "name": "shop", "title": "Shop API", "version": "1.0.0",
    "services": {"users": {"targets": [{"url": "https://users-1.shop.example", "weight": 3},
                                       {"url": "https://users-2.shop.example"}]},
                 "hello": {"mock": {"json": {"user": "John Doe"}}}},
    "auth": {"staff": {"jwt": {"issuer": "https://login.shop.example/", "audiences": ["shop-api"],
                               "secret": {"env": "SHOP_JWT_SECRET"}}}},
    "routes": [{"path": "/users", "methods": ["GET"], "service": "users", "auth": "staff"},
               {"path": "/users/{id}", "methods": ["GET", "PUT"], "service": "users", "auth": "staff"},
               {"path": "/hello", "methods": ["GET"], "service": "hello"}],
    "targets": {"azure": {"subscription_id": SUB, "resource_group": "rg-shop", "service": "shop-apim"}},
}


def changed() -> dict:
    spec = copy.deepcopy(SPEC)
    spec["routes"].append({"path": "/orders", "methods": ["POST"], "service": "users", "auth": "staff"})
    return spec


def deploy(tmp_path: Path, spec: dict, *extra: str):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    result = CliRunner().invoke(app, ["deploy", str(path), "--target", "azure", *extra])
    assert "Traceback" not in result.output
    return result


def test_first_deploy_puts_every_resource(azure, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SHOP_JWT_SECRET", SECRET)
    result = deploy(tmp_path, SPEC)
    assert result.exit_code == 0, result.output
    fake = azure.fake
    api = fake.get("/service/shop-apim/apis/shop")
    assert api and api["properties"]["format"] == "openapi+json"
    assert "/users/{id}" in json.loads(api["properties"]["value"])["paths"]
    assert "gwc sha256:" in api["properties"]["description"]
    assert fake.get("/apis/shop/policies/policy")["properties"]["value"].startswith("<policies>")
    assert [k for k in fake.resources if "/operations/" in k and k.endswith("/policies/policy")]
    pool = [v for k, v in fake.resources.items() if "/backends/" in k and v["properties"].get("type") == "Pool"]
    assert pool and pool[0]["properties"]["pool"]["services"][0]["id"].startswith(f"/subscriptions/{SUB}/")
    secrets = [v for k, v in fake.resources.items() if "/namedvalues/" in k]
    assert secrets and secrets[0]["properties"]["secret"] is True
    assert secrets[0]["properties"]["value"] == SECRET  # sent to APIM, which keeps it secret...
    assert SECRET not in result.output  # ...and never shown
    assert fake.authorizations == {"Bearer test-token"}
    order = [p for m, p in fake.writes()]
    first_policy = min(i for i, p in enumerate(order) if p.endswith("/policies/policy"))
    assert max(i for i, p in enumerate(order) if "/backends/" in p or "/namedValues/" in p) < first_policy
    assert min(i for i, p in enumerate(order) if p.endswith("/apis/shop")) < first_policy


def test_same_spec_twice_writes_nothing(azure, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SHOP_JWT_SECRET", SECRET)
    assert deploy(tmp_path, SPEC).exit_code == 0
    azure.fake.requests.clear()
    again = deploy(tmp_path, SPEC)
    assert again.exit_code == 0 and "no changes" in again.output
    assert azure.fake.writes() == []


def test_dry_run_writes_nothing(azure, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SHOP_JWT_SECRET", SECRET)
    result = deploy(tmp_path, SPEC, "--dry-run")
    assert result.exit_code == 0 and "+ create api shop" in result.output
    assert azure.fake.writes() == [] and azure.fake.resources == {}


def test_changed_spec_and_rotated_secret_update_only_what_differs(azure, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SHOP_JWT_SECRET", SECRET)
    assert deploy(tmp_path, SPEC).exit_code == 0
    azure.fake.requests.clear()
    monkeypatch.setenv("SHOP_JWT_SECRET", SECRET + "-rotated")
    result = deploy(tmp_path, changed())
    assert result.exit_code == 0, result.output
    written = {p for m, p in azure.fake.writes()}
    assert any(p.endswith("/apis/shop%3Brev%3D3") for p in written)  # imported into a new revision...
    assert any(p.endswith("/apis/shop/releases/gwc-shop-rev3") for p in written)  # ...released last
    assert any("/namedValues/" in p for p in written)
    assert not any("/backends/" in p for p in written)  # unchanged backends are not rewritten
    secret = [v for k, v in azure.fake.resources.items() if "/namedvalues/" in k][0]
    assert secret["properties"]["value"] == SECRET + "-rotated"
    assert "/orders" in json.loads(azure.fake.get("/service/shop-apim/apis/shop")["properties"]["value"])["paths"]


def test_failing_call_is_reported_with_what_was_applied(azure, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SHOP_JWT_SECRET", SECRET)
    azure.inject(r"^PUT .*/apis/shop%3Brev%3D2/policies/policy", 400, times=None)
    failed = deploy(tmp_path, SPEC)
    assert failed.exit_code == 1
    assert "deploy failed at step 'write api policy shop;rev=2/policy'" in failed.output
    assert "already applied:" in failed.output and "create api shop" in failed.output
    # the API is there but serves nothing: its operations are in a revision not yet released
    assert "value" not in azure.fake.get("/service/shop-apim/apis/shop")["properties"]
    assert not [k for k in azure.fake.resources if "/apis/shop/operations/" in k]
    azure.clear()
    assert deploy(tmp_path, SPEC).exit_code == 0
    assert "no changes" in deploy(tmp_path, SPEC).output


def test_transient_errors_are_retried(azure, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SHOP_JWT_SECRET", SECRET)
    azure.inject(r"^PUT .*/apis/shop\?", 503, times=1)
    assert deploy(tmp_path, SPEC).exit_code == 0
    assert [r.status for r in azure.requests if r.method == "PUT" and "/apis/shop?" in r.path][:2] == [503, 200]


def test_missing_secret_is_refused_before_any_write(azure, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SHOP_JWT_SECRET", raising=False)
    result = deploy(tmp_path, SPEC)
    assert result.exit_code == 1 and "SHOP_JWT_SECRET" in result.output
    assert azure.fake.writes() == []


def test_missing_extra_gives_one_line_hint(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(SPEC))
    code = ("import sys; sys.modules['azure.mgmt.apimanagement'] = None; from gwc.cli import main; "
            f"sys.argv = ['gwc', 'deploy', {str(path)!r}, '--target', 'azure']; main()")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "pip install 'gwc[azure]'" in proc.stderr


def test_diff_against_deployed(azure, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SHOP_JWT_SECRET", SECRET)
    assert deploy(tmp_path, SPEC).exit_code == 0
    path = tmp_path / "spec.yaml"
    azure.fake.requests.clear()
    same = CliRunner().invoke(app, ["diff", str(path), "--target", "azure", "--against", "deployed"])
    assert same.exit_code == 0 and azure.fake.writes() == []
    path.write_text(yaml.safe_dump(changed(), sort_keys=False))
    after = CliRunner().invoke(app, ["diff", str(path), "--target", "azure", "--against", "deployed"])
    assert after.exit_code == 1 and "api shop" in after.output and azure.fake.writes() == []


def test_a_revision_someone_else_made_is_not_written_over(azure, tmp_path: Path, monkeypatch) -> None:
    import urllib.request
    monkeypatch.setenv("SHOP_JWT_SECRET", SECRET)
    assert deploy(tmp_path, SPEC).exit_code == 0  # revision 2 is current
    api = (f"/subscriptions/{SUB}/resourceGroups/rg-shop/providers/Microsoft.ApiManagement/service/shop-apim"
           "/apis/shop")
    body = json.dumps({"properties": {"sourceApiId": api, "apiRevisionDescription": "a hotfix, by hand"}})
    urllib.request.urlopen(urllib.request.Request(azure.fake.url + api + "%3Brev%3D3?api-version=x",
                                                  data=body.encode(), method="PUT"), timeout=10)
    azure.fake.requests.clear()
    result = deploy(tmp_path, changed())
    assert result.exit_code == 1
    assert "API revision shop;rev=3 exists and was not made by gwc" in result.output
    assert azure.fake.writes() == []
