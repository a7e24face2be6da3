"""`gwc deploy --target azure` is safe to retry: every write call of a deploy, failed in turn (transiently,
for good, and while switching the API from spec A to spec B), through the recording proxy in front of
the local Resource Manager stand-in (tests/deploy/fake_azure.py, which models API revisions and
releases). See tests/deploy/faults.py for the pattern.

The spec is small on purpose (each write is a case): one route, a JWT with an HMAC secret from the
environment (a secret named value), an API key (a product), one backend; A allows every method, B only
GET and POST (so the document, five operation ids and every operation policy change) at another rate.

End state, read from the stand-in: every ARM resource under the APIM instance (properties as stored, the
imported document parsed), non-current revisions included. What APIM serves is the current revision
(the plain `apis/ID` paths) with the named values, backends and products."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.deploy import faults
from tests.deploy.conftest import azure_endpoint

SECRET = "azure-faults-hmac-secret-0123456789"
A = {
    "gwc": 1, "name": "shop", "title": "Shop API", "version": "1.0.0",
    "services": {"users": {"url": "https://users.shop.example"}},
    "auth": {"staff": {"jwt": {"issuer": "https://login.shop.example/", "audiences": ["shop-api"],
                               "secret": {"env": "SHOP_JWT_SECRET"}}},
             "partners": {"api_key": {"header": "X-Partner-Key", "keys": {
                 "azure_keyvault": "https://shop-kv.vault.azure.net/secrets/partner-keys"}}}},
    "routes": [{"path": "/users", "service": "users", "auth": ["staff", "partners"],
                "rate_limit": {"rate": "10/s", "burst": 5, "per": "client_ip"}}],
    "targets": {"azure": {"subscription_id": "00000000-0000-0000-0000-000000000001",
                          "resource_group": "rg-shop", "service": "shop-apim"}},
}
B = copy.deepcopy(A)
B["routes"][0]["methods"] = ["GET", "POST"]
B["routes"][0]["rate_limit"]["rate"] = "20/s"

OPS_A = ["users-get", "users-head", "users-post", "users-put", "users-patch", "users-delete", "users-options"]
OPS_B = ["users-get", "users-post"]  # the 405 operations (users-put-405-05, ...) are answered at API scope
NOT_ALLOWED_B = ["users-head-405-05", "users-put-405-05", "users-patch-405-05", "users-delete-405-05",
                 "users-options-405-05"]


def revision(n: int, operations: list[str]) -> list[tuple[str, str]]:
    """The writes that put the API into revision n and release it."""
    rev = f"shop;rev={n}"
    return [(f"PUT /apis/{rev}", f"create api revision {rev}"),
            (f"PUT /apis/{rev}", f"import api {rev}"),
            (f"PUT /apis/{rev}/policies/policy", f"write api policy {rev}/policy")] + [
        (f"PUT /apis/{rev}/operations/{op}/policies/policy", f"write operation policy {rev}/{op}/policy")
        for op in operations] + [(f"PUT /apis/shop/releases/gwc-shop-rev{n}", f"release api revision {rev}")]


FIRST = [("PUT /namedValues/shop-staff-hmac", "create named value shop-staff-hmac"),
         ("PUT /backends/shop-users", "create backend shop-users"),
         ("PUT /apis/shop", "create api shop (empty until its first revision is released)")] + revision(2, OPS_A) + [
    ("PUT /products/shop-partners", "create product shop-partners"),
    ("PUT /products/shop-partners/apis/shop", "create product api shop-partners/shop")]
SWITCH = revision(3, OPS_B)


def shape(method: str, path: str) -> str:
    return f"{method} " + unquote(path.split("?", 1)[0]).split("/service/shop-apim", 1)[1]


def snapshot(fake) -> dict:
    """Every resource of the instance, by its path below the instance."""
    out = {}
    for key, resource in fake.resources.items():
        props = dict(resource["properties"])
        if "value" in props and props.get("format", "").startswith("openapi"):
            props["value"] = json.loads(props["value"])
        out[key.split("/service/shop-apim", 1)[1]] = props
    return out


def served(state: dict) -> dict:
    """What APIM serves: the current revision (plain paths), named values, backends, products."""
    return {k: v for k, v in state.items() if ";rev=" not in k and "/releases/" not in k}


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_JWT_SECRET", SECRET)


@pytest.fixture(scope="module")
def refs(tmp_path_factory) -> dict:
    """Clean deploys of A, then B over A: the write calls each made and the end state after each."""
    tmp = tmp_path_factory.mktemp("azure-refs")
    out: dict = {}
    with pytest.MonkeyPatch.context() as mp, azure_endpoint(mp) as proxy:
        mp.setenv("SHOP_JWT_SECRET", SECRET)
        for name, spec in (("A", A), ("B", B)):
            proxy.clear()
            result = faults.deploy(tmp, spec, "azure")
            assert result.exit_code == 0, result.output
            out[name + "_writes"] = [shape(r.method, r.path) for r in proxy.write_calls()]
            out[name] = snapshot(proxy.fake)
    return out


def test_clean_deploys_record_their_write_calls(refs) -> None:
    assert refs["A_writes"] == [w for w, _ in FIRST]
    assert refs["B_writes"] == [w for w, _ in SWITCH]
    a, b = served(refs["A"]), served(refs["B"])
    assert a["/apis/shop"]["value"]["paths"] != b["/apis/shop"]["value"]["paths"]
    assert {k for k in a if "/operations/" in k} == {f"/apis/shop/operations/{op}/policies/policy" for op in OPS_A}
    assert {k for k in b if "/operations/" in k} == {f"/apis/shop/operations/{op}/policies/policy" for op in OPS_B}
    assert sorted(op["operationId"] for op in b["/apis/shop"]["value"]["paths"]["/users"].values()) == \
        sorted(OPS_B + NOT_ALLOWED_B)
    assert 'EndsWith(&quot;-405-05&quot;)' in b["/apis/shop/policies/policy"]["value"]
    assert a["/namedvalues/shop-staff-hmac"]["value"] == SECRET


@pytest.mark.parametrize("index", range(len(FIRST)), ids=[s for _, s in FIRST])
def test_transient_failure_of_each_write_is_retried(azure, refs, tmp_path: Path, index: int) -> None:
    azure.fail_write(index, faults.transient_statuses(index))
    result = faults.deploy(tmp_path, A, "azure")
    assert result.exit_code == 0, result.output
    calls = azure.write_calls()
    assert [shape(r.method, r.path) for r in calls if r.injected] == [FIRST[index][0]]
    assert shape(calls[index + 1].method, calls[index + 1].path) == FIRST[index][0]  # the retry, next
    assert snapshot(azure.fake) == refs["A"]
    faults.count("azure", "transient", azure)


def test_429_then_503_on_one_call_backs_off_and_finishes(azure, refs, tmp_path: Path) -> None:
    azure.fail_write(4, [429, 503])
    result = faults.deploy(tmp_path, A, "azure")
    assert result.exit_code == 0, result.output
    attempts = [r for r in azure.write_calls() if r.write in (4, 5, 6)]
    assert [r.status for r in attempts] == [429, 503, 200]
    assert attempts[2].at - attempts[1].at >= 1.0  # azure-core: the second retry waits 0.8 s * 2
    assert snapshot(azure.fake) == refs["A"]
    faults.count("azure", "transient", azure)


# one write of each kind (the seven operation policies are the same call): every write is a PUT
LOST = [i for i, (_, step) in enumerate(FIRST) if "operation policy" not in step or step.endswith("users-get/policy")]


@pytest.mark.parametrize("index", LOST, ids=[FIRST[i][1] for i in LOST])
def test_lost_answer_of_each_write_is_retried_safely(azure, refs, tmp_path: Path, index: int) -> None:
    """The call reaches APIM, which acts on it, but its answer is lost (504): every write is a PUT of
    the whole resource, so the retry changes nothing more."""
    azure.fail_write(index, [504], applied=True)
    result = faults.deploy(tmp_path, A, "azure")
    assert result.exit_code == 0, result.output
    assert [shape(r.method, r.path) for r in azure.write_calls() if r.injected] == [FIRST[index][0]]
    assert snapshot(azure.fake) == refs["A"]
    faults.count("azure", "lost answer", azure)


@pytest.mark.parametrize("index", range(len(FIRST)), ids=[s for _, s in FIRST])
def test_hard_failure_of_each_write_then_rerun_converges(azure, refs, tmp_path: Path, index: int) -> None:
    azure.fail_write(index, forever=400)
    failed = faults.deploy(tmp_path, A, "azure")
    assert failed.exit_code == 1, failed.output
    faults.assert_located(failed.output, FIRST[index][1])
    faults.count("azure", "hard", azure)
    if index < len(FIRST) - 2:  # until the release nothing is served but what was before: named values
        assert not [k for k in served(snapshot(azure.fake)) if k.startswith("/apis/shop/")]
    azure.clear()
    rerun = faults.deploy(tmp_path, A, "azure")
    assert rerun.exit_code == 0, rerun.output
    assert snapshot(azure.fake) == refs["A"]


@pytest.mark.parametrize("index", range(len(SWITCH)), ids=[s for _, s in SWITCH])
def test_failure_while_switching_serves_one_complete_version(azure, refs, tmp_path: Path, index: int) -> None:
    assert faults.deploy(tmp_path, A, "azure").exit_code == 0
    azure.clear()
    azure.fail_write(index, forever=400)
    failed = faults.deploy(tmp_path, B, "azure")
    assert failed.exit_code == 1, failed.output
    faults.assert_located(failed.output, SWITCH[index][1])
    faults.count("azure", "switch", azure)
    now = served(snapshot(azure.fake))
    assert now in (served(refs["A"]), served(refs["B"])), sorted(set(now.items()) ^ set(served(refs["A"]).items()))
    azure.clear()
    rerun = faults.deploy(tmp_path, B, "azure")
    assert rerun.exit_code == 0, rerun.output
    assert snapshot(azure.fake) == refs["B"]
