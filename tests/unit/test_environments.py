"""Environment overlays (--env): deep-merged, checked against the same schema with errors located in the
overlay, shown with --print-spec, and never expanding the process environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

SPEC = """gwc: 1
name: shop
hosts: [api.shop.example]
services:
  orders: {url: "http://10.0.3.10:8080"}
auth:
  partners: {api_key: {keys: {env: PARTNER_KEYS}}}
routes:
  - path: /orders
    service: orders
    auth: partners
environments:
  staging:
    hosts: [staging.api.shop.example]
    services:
      orders: {url: "http://10.9.3.10:8080"}
  broken:
    services:
      orders: {url: "http://orders;evil"}
"""


def gwc(*args, env_vars=None) -> subprocess.CompletedProcess:
    env = {**{k: v for k, v in os.environ.items() if k != "GWC_DEBUG"}, **(env_vars or {})}
    return subprocess.run([sys.executable, "-m", "gwc", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=60)


def test_overlay_changes_the_output(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    assert gwc("compile", spec, "-t", "nginx", "-o", tmp_path / "base").returncode == 0
    assert gwc("compile", spec, "-t", "nginx", "-o", tmp_path / "stg", "--env", "staging").returncode == 0
    base = (tmp_path / "base" / "nginx" / "nginx.conf").read_text()
    staging = (tmp_path / "stg" / "nginx" / "nginx.conf").read_text()
    assert "10.0.3.10:8080" in base and "10.9.3.10:8080" in staging and "10.0.3.10" not in staging
    assert "server_name staging.api.shop.example;" in staging


def test_print_spec_shows_the_effective_spec(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    r = gwc("compile", spec, "-t", "nginx", "--env", "staging", "--print-spec")
    assert r.returncode == 0
    effective = yaml.safe_load(r.stdout)
    assert effective["hosts"] == ["staging.api.shop.example"]
    assert effective["services"]["orders"]["url"] == "http://10.9.3.10:8080"
    assert "environments" not in effective


def test_overlay_error_is_located_in_the_overlay(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    r = gwc("validate", spec, "--env", "broken", "--format", "json")
    assert r.returncode == 1
    found = json.loads(r.stdout)
    bad = next(d for d in found if d["code"] == "GWC104")
    line = SPEC.splitlines()[bad["line"] - 1]
    assert "orders;evil" in line and bad["pointer"] == "/services/orders/url"
    assert gwc("validate", spec).returncode == 0  # the base spec alone is fine


def test_unknown_environment(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    r = gwc("validate", spec, "--env", "prod")
    assert r.returncode == 1 and "GWC230" in r.stderr and "broken, staging" in r.stderr


def test_references_are_never_expanded(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    r = gwc("compile", spec, "-t", "nginx", "-o", tmp_path / "o", "--env", "staging",
            env_vars={"PARTNER_KEYS": "super-secret-partner-key"})
    assert r.returncode == 0
    written = "".join(p.read_text() for p in (tmp_path / "o").rglob("*") if p.is_file())
    assert "super-secret-partner-key" not in written and '"env": "PARTNER_KEYS"' in written
