"""`gwc deploy --target gcp` is safe to retry, for both products (Cloud Endpoints and API Gateway): every
write call of a deploy, failed in turn (transiently, for good, and while switching from spec A to spec B),
through the recording proxy in front of the local Google stand-in (tests/deploy/fake_google.py). See
tests/deploy/faults.py for the pattern.

End state, read from the stand-in: Endpoints - the services and their producer project, the document of
the config the last successful rollout sends all traffic to (what is served), and the distinct documents
submitted (a failed rollout may leave one more config with the same document: configs are immutable
history); API Gateway - the APIs, the API configs (their documents), the gateways and the document of
the config each serves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.deploy import faults
from tests.deploy.conftest import google_endpoint
from tests.deploy.fake_google import decode
from tests.deploy.test_gcp_deploy import SERVICE, SPEC, changed, gateway_spec

POLL = ("--poll-interval", "0.01")
SPECS = {"endpoints": (SPEC, changed(SPEC)), "api-gateway": (gateway_spec(), changed(gateway_spec()))}
FIRST = {"endpoints": [("POST /v1/services", f"create service {SERVICE}"),
                       ("POST /v1/services/*/configs:submit", "submit the service config"),
                       ("POST /v1/services/*/rollouts", "roll out the new config")],
         "api-gateway": [("POST /v1/projects/*/locations/global/apis", "create API shop"),
                         ("POST /v1/projects/*/locations/global/apis/*/configs", "create the API config"),
                         ("POST /v1/projects/*/locations/europe-west1/gateways", "create gateway shop-gw")]}
SWITCH = {"endpoints": FIRST["endpoints"][1:],
          "api-gateway": [FIRST["api-gateway"][1],
                          ("PATCH /v1/projects/*/locations/europe-west1/gateways/*",
                           "point gateway shop-gw at the new config")]}


def shape(method: str, path: str) -> str:
    bare = path.split("?", 1)[0]
    bare = re.sub(r"/(services|projects|apis|gateways)/[^/:]+", r"/\1/*", bare)
    return f"{method} {bare}"


def snapshot(fake) -> dict:
    """Everything a deploy manages, as documents rather than generated ids."""
    served = {}
    for name, rollouts in fake.rollouts.items():
        done = [r for r in rollouts if r["status"] == "SUCCESS"]
        if done:
            percentages = done[-1]["trafficPercentStrategy"]["percentages"]
            served[name] = {_document(fake.configs[name][c]): p for c, p in percentages.items()}
    configs = {name: sorted({_document(c) for c in cs.values()}) for name, cs in fake.configs.items()}
    api_configs = {name: {"document": decode(c["openapiDocuments"][0]["document"]["contents"]),
                          "account": c.get("gatewayServiceAccount")} for name, c in fake.api_configs.items()}
    gateways = {name: {"config": g["apiConfig"], "served": api_configs[g["apiConfig"]]["document"]}
                for name, g in fake.gateways.items()}
    return {"services": {n: s.get("producerProjectId") for n, s in fake.services.items()},
            "served": {**served, **{n: g["served"] for n, g in gateways.items()}},
            "configs": configs, "apis": {n: a.get("displayName") for n, a in fake.apis.items()},
            "api_configs": api_configs, "gateways": gateways}


def _document(config: dict) -> str:
    files = config["sourceInfo"]["sourceFiles"]
    return decode(files[0]["fileContents"])


@pytest.fixture(scope="module")
def refs(tmp_path_factory) -> dict:
    """Per product, clean deploys of A then B over A: their write calls and the end state after each."""
    out: dict = {}
    for product, (a, b) in SPECS.items():
        tmp = tmp_path_factory.mktemp(f"gcp-refs-{product}")
        with pytest.MonkeyPatch.context() as mp, google_endpoint(mp, tmp) as proxy:
            for name, spec in (("A", a), ("B", b)):
                proxy.clear()
                result = faults.deploy(tmp, spec, "gcp", *POLL)
                assert result.exit_code == 0, result.output
                out[product, name + "_writes"] = [shape(r.method, r.path) for r in proxy.write_calls()]
                out[product, name] = snapshot(proxy.fake)
    return out


def cases(table: dict) -> list:
    return [pytest.param(product, i, id=f"{product}: {step}")
            for product, calls in table.items() for i, (_, step) in enumerate(calls)]


@pytest.mark.parametrize("product", SPECS)
def test_clean_deploys_record_their_write_calls(refs, product: str) -> None:
    assert refs[product, "A_writes"] == [w for w, _ in FIRST[product]]
    assert refs[product, "B_writes"] == [w for w, _ in SWITCH[product]]
    a, b = refs[product, "A"]["served"], refs[product, "B"]["served"]
    assert len(a) == 1 and a.keys() == b.keys() and a != b


@pytest.mark.parametrize("product, index", cases(FIRST))
def test_transient_failure_of_each_write_is_retried(google, refs, tmp_path: Path, product: str,
                                                    index: int) -> None:
    google.fail_write(index, faults.transient_statuses(index))
    result = faults.deploy(tmp_path, SPECS[product][0], "gcp", *POLL)
    assert result.exit_code == 0, result.output
    calls = google.write_calls()
    assert [shape(r.method, r.path) for r in calls if r.injected] == [FIRST[product][index][0]]
    assert shape(calls[index + 1].method, calls[index + 1].path) == FIRST[product][index][0]  # the retry
    assert snapshot(google.fake) == refs[product, "A"]
    faults.count("gcp", "transient", google)


def test_429_then_503_on_one_call_backs_off_and_finishes(google, refs, tmp_path: Path) -> None:
    google.fail_write(1, [429, 503])
    result = faults.deploy(tmp_path, SPEC, "gcp", *POLL)
    assert result.exit_code == 0, result.output
    attempts = [r for r in google.write_calls() if "configs:submit" in r.path]
    assert [r.status for r in attempts] == [429, 503, 200]
    assert snapshot(google.fake) == refs["endpoints", "A"]
    faults.count("gcp", "transient", google)


@pytest.mark.parametrize("product, index", cases(FIRST))
def test_lost_answer_of_each_write_is_retried_safely(google, refs, tmp_path: Path, product: str,
                                                     index: int) -> None:
    """The call reaches Google, which acts on it, but its answer is lost (504): the library's retry then
    finds the service, API, config or gateway there (409), which the deploy takes as made."""
    google.fail_write(index, [504], applied=True)
    result = faults.deploy(tmp_path, SPECS[product][0], "gcp", *POLL)
    assert result.exit_code == 0, result.output
    assert [shape(r.method, r.path) for r in google.write_calls() if r.injected] == [FIRST[product][index][0]]
    assert snapshot(google.fake) == refs[product, "A"]
    faults.count("gcp", "lost answer", google)


@pytest.mark.parametrize("product, index", cases(FIRST))
def test_hard_failure_of_each_write_then_rerun_converges(google, refs, tmp_path: Path, product: str,
                                                         index: int) -> None:
    google.fail_write(index, forever=400)
    failed = faults.deploy(tmp_path, SPECS[product][0], "gcp", *POLL)
    assert failed.exit_code == 1, failed.output
    faults.assert_located(failed.output, FIRST[product][index][1])
    faults.count("gcp", "hard", google)
    google.clear()
    rerun = faults.deploy(tmp_path, SPECS[product][0], "gcp", *POLL)
    assert rerun.exit_code == 0, rerun.output
    assert snapshot(google.fake) == refs[product, "A"]


@pytest.mark.parametrize("product, index", cases(SWITCH))
def test_failure_while_switching_serves_one_complete_version(google, refs, tmp_path: Path, product: str,
                                                             index: int) -> None:
    a, b = SPECS[product]
    assert faults.deploy(tmp_path, a, "gcp", *POLL).exit_code == 0
    google.clear()
    google.fail_write(index, forever=400)
    failed = faults.deploy(tmp_path, b, "gcp", *POLL)
    assert failed.exit_code == 1, failed.output
    faults.assert_located(failed.output, SWITCH[product][index][1])
    faults.count("gcp", "switch", google)
    assert snapshot(google.fake)["served"] in (refs[product, "A"]["served"], refs[product, "B"]["served"])
    google.clear()
    rerun = faults.deploy(tmp_path, b, "gcp", *POLL)
    assert rerun.exit_code == 0, rerun.output
    assert snapshot(google.fake) == refs[product, "B"]
