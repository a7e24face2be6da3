import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gwc import cost
from gwc.cli import app

SPEC = "examples/ecommerce/gateway.yaml"   # caches routes -> aws REST cache cluster (0.5 GB default)
runner = CliRunner()
P = cost.shipped_prices()


def _total(key, n, size=None):
    return cost.estimate_target(key, P["targets"][key], n, size)["total"]


def test_every_figure_is_sourced():
    assert cost.validate_prices(P) == []
    for t in P["targets"].values():
        if "unconfirmed" in t:
            continue
        figures = [t["free_tier"], *t["tiers"], *t.get("cache_per_hour", {}).values()]
        for f in figures:
            assert f["source"].startswith("https://") and f["retrieved"] == "2026-11-26" and f["region"]


def test_aws_rest_crosses_tiers_with_free_tier_and_cache():
    n = 1_500_000_000
    want = (333e6 - 1e6) / 1e6 * 3.50 + 667e6 / 1e6 * 2.80 + 500e6 / 1e6 * 2.38 + 730 * 0.02
    assert _total("aws-rest", n, "0.5") == pytest.approx(want)
    assert _total("aws-rest", 21_000_000_000) == pytest.approx(
        332 * 3.50 + 667 * 2.80 + 19_000 * 2.38 + 1_000 * 1.51)


def test_aws_http_gcp_and_free_tier():
    assert _total("aws-http", 400_000_000) == pytest.approx(299 * 1.00 + 100 * 0.90)
    assert _total("aws-http", 500_000) == 0
    assert _total("gcp", 1_500_000) == 0
    assert _total("gcp", 1_200_000_000) == pytest.approx(998 * 3.00 + 200 * 1.50)


def test_unsourced_cache_size_and_azure_are_not_invented():
    r = cost.estimate_target("aws-rest", P["targets"]["aws-rest"], 2_000_000, "237")
    assert r["total"] == pytest.approx(3.50) and "NOT included" in r["notes"][0]
    az = cost.estimate_target("azure", P["targets"]["azure"], 2_000_000, None)
    assert az["total"] is None and "not estimated" in az["notes"][0]


@pytest.mark.parametrize("text,n", [("10/month", 10), ("25M/month", 25_000_000), ("3k / month", 3000),
                                    ("2B/month", 2_000_000_000)])
def test_parse_requests(text, n):
    assert cost.parse_requests(text) == n


def test_cli_text_and_json():
    r = runner.invoke(app, ["cost", SPEC, "--requests", "500M/month", "--cache-hit-rate", "0.9"])
    assert r.exit_code == 0, r.output
    assert "cache cluster 0.5 GB" in r.output and "730 h x $0.0200/h = $14.60" in r.output
    assert "reduces nothing" in r.output and cost.DISCLAIMER in r.output and "2026-11-26" in r.output
    j = json.loads(runner.invoke(app, ["cost", SPEC, "--requests", "5M/month", "--format", "json"]).output)
    assert {t["target"] for t in j["targets"]} == {"aws-rest", "aws-http", "gcp", "azure"}


@pytest.mark.parametrize("args", [["--requests", "10/day"], ["--requests", "1.5M/month"],
                                  ["--requests", "5M/month", "--cache-hit-rate", "2"],
                                  ["--requests", "5M/month", "--format", "yaml"]])
def test_cli_usage_errors(args):
    assert runner.invoke(app, ["cost", SPEC, *args]).exit_code == 2


def test_prices_override(tmp_path: Path):
    src = {"source": "https://example.test/p", "retrieved": "2026-01-01", "region": "r"}
    table = {"retrieved": "2026-01-01", "targets": {"x": {"name": "X", "free_tier": {"requests": 0, **src},
                                                          "tiers": [{"up_to": None, "per_million": 2.0, **src}]}}}
    f = tmp_path / "p.json"
    f.write_text(json.dumps(table))
    r = runner.invoke(app, ["cost", SPEC, "--requests", "3M/month", "--prices", str(f), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["targets"][0]["total"] == pytest.approx(6.0)


def test_prices_override_bad_shape(tmp_path: Path):
    f = tmp_path / "p.json"
    f.write_text(json.dumps({"retrieved": "x", "targets": {"x": {"tiers": [{"up_to": 5, "per_million": "a"}]}}}))
    r = runner.invoke(app, ["cost", SPEC, "--requests", "3M/month", "--prices", str(f)])
    assert r.exit_code == 1
    assert "/targets/x/tiers/0/per_million" in r.output and "/targets/x/tiers/0/source" in r.output
    f.write_text("{not json")
    assert runner.invoke(app, ["cost", SPEC, "--requests", "3M/month", "--prices", str(f)]).exit_code == 1
