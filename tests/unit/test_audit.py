"""gwc audit: every rule fires on a bad spec (id, severity, pointer, line, quoted value) and is silent on the
fixed one; the ignore file (reason, expiry, pointer scope, unknown rules); exit codes through the CLI; and
every example audits without crashing."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from gwc.audit import apply_ignores, audit, load_ignore, run_audit
from gwc.audit.rules import ALL_RULES, LEVELS, RULES, SEVERITIES
from gwc.diagnostics import Level
from gwc.pipeline import load_gateway
from tests.conftest import ROOT
from tests.unit.test_cli import gwc

TODAY = dt.date(2026, 6, 1)

TOP = "gwc: 1\nname: t\ntrusted_proxies: [10.0.0.0/8]\n"
SERVICES = "services:\n  app: {url: \"http://10.0.0.5:8080\"}\n  web: {url: \"http://10.0.0.6:8080\"}\n"
AUTH = ("auth:\n  users:\n    jwt:\n      issuer: https://login.example/\n      audiences: [api]\n"
        "      secret: {env: JWT_KEY}\n")
DEFAULTS = "defaults:\n  auth: users\n  rate_limit: {rate: 10/s}\n"
ROUTES = "routes:\n  - path: /items\n    service: app\n"


def spec(top: str = TOP, services: str = SERVICES, auth: str = AUTH, defaults: str = DEFAULTS,
         routes: str = ROUTES, extra: str = "") -> str:
    """A clean spec (no findings) with one section replaced."""
    return top + services + auth + defaults + routes + extra


@dataclass(frozen=True)
class Case:
    rule: str
    bad: str
    fixed: str
    pointer: str
    line_of: str   # the first line of the bad spec containing this text is where the finding must be
    value: str     # the offending value, quoted, as the message must show it


CASES = [
    Case("GWA001", spec(routes="routes:\n  - path: /items\n    methods: [GET, POST]\n    service: app\n"
                               "    auth: none\n"),
         spec(routes="routes:\n  - path: /items\n    methods: [GET, POST]\n    service: app\n"),
         "/routes/0/auth", "auth: none", "'none'"),
    Case("GWA002", spec(routes=ROUTES + "    cors: {origins: [\"*\"]}\n"),
         spec(routes=ROUTES + "    cors: {origins: [\"https://app.example\"]}\n"),
         "/routes/0/cors/origins/0", "cors:", "'*'"),
    Case("GWA003", spec(auth="auth:\n  users:\n    jwt:\n      audiences: [api]\n      secret: {env: K}\n"),
         spec(), "/auth/users/jwt", "    jwt:", "'users'"),
    Case("GWA004", spec(auth="auth:\n  users:\n    jwt:\n      issuer: https://login.example/\n"
                             "      secret: {env: K}\n"),
         spec(), "/auth/users/jwt", "    jwt:", "'users'"),
    Case("GWA005", spec(services="services:\n  app: {url: \"http://api.partner.example\"}\n"
                                 "  web: {url: \"http://web\"}\n"),
         spec(services="services:\n  app: {url: \"https://api.partner.example\"}\n  web: {url: \"http://web\"}\n"),
         "/services/app/url", "api.partner.example", "'http://api.partner.example'"),
    Case("GWA005", spec(services="services:\n  app:\n    targets:\n      - {url: \"http://10.0.0.5\"}\n"
                                 "      - {url: \"http://93.184.216.34:8080\"}\n  web: {url: \"http://web\"}\n"),
         spec(services="services:\n  app:\n    targets:\n      - {url: \"http://10.0.0.5\"}\n"
                       "      - {url: \"http://app-2.internal:8080\"}\n  web: {url: \"http://web\"}\n"),
         "/services/app/targets/1/url", "93.184.216.34", "'http://93.184.216.34:8080'"),
    Case("GWA006", spec(defaults="defaults:\n  auth: users\n"), spec(), "/defaults", "defaults:", "'t'"),
    Case("GWA007", spec(routes=ROUTES + "  - path: /oauth/token\n    methods: [POST]\n    service: app\n"
                                        "    auth: none\n    rate_limit: none\n"),
         spec(routes=ROUTES + "  - path: /oauth/token\n    methods: [POST]\n    service: app\n    auth: none\n"),
         "/routes/1/rate_limit", "rate_limit: none", "'/oauth/token'"),
    Case("GWA008", spec(routes="routes:\n  - path: /admin\n    service: app\n  - prefix: /\n    methods: [GET]\n"
                               "    service: app\n    auth: none\n"),
         spec(routes="routes:\n  - path: /admin\n    service: app\n  - prefix: /\n    methods: [GET]\n"
                     "    service: web\n    auth: none\n"),
         "/routes/1/prefix", "prefix: /", "'/admin/'"),
    Case("GWA008", spec(routes="routes:\n  - prefix: /account/\n    service: app\n  - prefix: /\n"
                               "    methods: [GET]\n    service: app\n    auth: none\n"),
         spec(routes="routes:\n  - prefix: /account\n    service: app\n  - prefix: /\n"
                     "    methods: [GET]\n    service: app\n    auth: none\n    ip: {allow: [10.0.0.0/8]}\n"),
         "/routes/1/prefix", "prefix: /\n", "'/account'"),
    Case("GWA009", spec(top="gwc: 1\nname: t\n", routes=ROUTES + "    ip: {deny: [192.0.2.0/24]}\n"),
         spec(routes=ROUTES + "    ip: {deny: [192.0.2.0/24]}\n"),
         "/routes/0/ip", "ip:", "'192.0.2.0/24'"),
    Case("GWA010", spec(top="gwc: 1\nname: t\ntrusted_proxies: [10.0.0.0/8, 0.0.0.0/0]\n"), spec(),
         "/trusted_proxies/1", "trusted_proxies", "'0.0.0.0/0'"),
    Case("GWA011", spec(defaults=DEFAULTS + "  body_limit: none\n"), spec(defaults=DEFAULTS + "  body_limit: 10MiB\n"),
         "/defaults/body_limit", "body_limit", "'none'"),
    Case("GWA011", spec(routes=ROUTES + "    body_limit: 200MiB\n"), spec(routes=ROUTES + "    body_limit: 100MiB\n"),
         "/routes/0/body_limit", "body_limit", "'200MiB'"),
    Case("GWA012", spec(routes=ROUTES + "  - path: /actuator/env\n    methods: [GET]\n    service: app\n"
                                        "    auth: none\n"),
         spec(routes=ROUTES + "  - path: /actuator/env\n    methods: [GET]\n    service: app\n"),
         "/routes/1/path", "/actuator/env", "'actuator'"),
    Case("GWA013", spec(extra="observability:\n  metrics: {path: /_gwc/status, allow: [0.0.0.0/0]}\n"),
         spec(extra="observability:\n  metrics: {path: /_gwc/status, allow: [10.0.0.0/8]}\n"),
         "/observability/metrics/allow/0", "metrics:", "'0.0.0.0/0'"),
    Case("GWA014", spec(routes="routes:\n  - path: /items\n    methods: [GET]\n    service: app\n"
                               "    cache: {ttl: 1m, authenticated: shared}\n"),
         spec(routes="routes:\n  - path: /items\n    methods: [GET]\n    service: app\n"
                     "    cache: {ttl: 1m, authenticated: per_subject}\n"),
         "/routes/0/cache/authenticated", "cache:", "'shared'"),
    Case("GWA015", spec(services="services:\n  app:\n    url: \"https://10.0.0.5:8443\"\n    tls_verify: false\n"
                                 "  web: {url: \"http://web\"}\n"),
         spec(services="services:\n  app:\n    url: \"https://10.0.0.5:8443\"\n  web: {url: \"http://web\"}\n"),
         "/services/app/tls_verify", "tls_verify", "'false'"),
    Case("GWA016", spec(auth=AUTH + "      query: access_token\n"), spec(),
         "/auth/users/jwt/query", "query:", "'access_token'"),
]


def _audit(tmp_path: Path, text: str, name: str = "gateway.yaml") -> list:
    path = tmp_path / name
    path.write_text(text)
    loaded = load_gateway(str(path))
    assert loaded.gateway is not None, [d.format() for d in loaded.diagnostics]
    return audit(loaded.gateway, loaded.doc)


def test_the_clean_spec_has_no_findings(tmp_path: Path) -> None:
    assert _audit(tmp_path, spec()) == []


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}-{i}" for i, c in enumerate(CASES)])
def test_rule_fires_on_bad_and_is_silent_on_fixed(tmp_path: Path, case: Case) -> None:
    found = [d for d in _audit(tmp_path, case.bad) if d.code == case.rule]
    assert len(found) == 1, [d.format() for d in found]
    d = found[0]
    rule = ALL_RULES[case.rule]
    assert d.level is LEVELS[rule.severity]
    assert d.pointer == case.pointer
    expected_line = next(i for i, line in enumerate((case.bad + "\n").splitlines(keepends=True), 1)
                         if case.line_of in line or case.line_of == line)
    assert d.line == expected_line, d.format()
    assert d.column >= 1 and d.file.endswith("gateway.yaml")
    assert case.value in d.message, d.message
    assert d.hint == rule.fix
    assert [x.format() for x in _audit(tmp_path, case.fixed, "fixed.yaml") if x.code == case.rule] == []


def test_every_rule_is_in_the_table_and_documented() -> None:
    assert {c.rule for c in CASES} == {r.id for r in RULES}
    assert len(ALL_RULES) == len(RULES) + 5
    for r in ALL_RULES.values():
        assert r.severity in SEVERITIES and r.title and r.rationale and r.fix and r.detects
    assert (ROOT / "docs" / "audit.md").read_text().count("### GWA") == len(ALL_RULES)


def test_defaults_finding_is_reported_once(tmp_path: Path) -> None:
    text = spec(defaults=DEFAULTS + "  body_limit: none\n",
                routes=ROUTES + "  - path: /other\n    service: app\n")
    assert [d.pointer for d in _audit(tmp_path, text) if d.code == "GWA011"] == ["/defaults/body_limit"]


def test_sensitive_path_with_ip_allow_list_or_mock_is_not_flagged(tmp_path: Path) -> None:
    text = spec(services=SERVICES + "  stub: {mock: {status: 200}}\n",
                routes=ROUTES + "  - prefix: /admin/\n    service: app\n    auth: none\n"
                                "    ip: {allow: [10.20.0.0/16]}\n"
                                "  - path: /debug\n    service: stub\n    auth: none\n")
    assert [d.format() for d in _audit(tmp_path, text) if d.code in ("GWA001", "GWA012")] == []


# ---- the ignore file ----

TWO_OPEN_WRITES = spec(routes="routes:\n  - path: /a\n    methods: [POST]\n    service: app\n    auth: none\n"
                              "  - path: /b\n    methods: [POST]\n    service: app\n    auth: none\n")


def _ignored(tmp_path: Path, ignore_text: str, spec_text: str = TWO_OPEN_WRITES):
    findings = _audit(tmp_path, spec_text)
    path = tmp_path / "ignore.yaml"
    path.write_text(ignore_text)
    ignore = load_ignore(path, TODAY)
    kept, n = apply_ignores(findings, ignore)
    return kept, n, ignore


def test_ignore_with_reason_suppresses(tmp_path: Path) -> None:
    kept, n, ignore = _ignored(tmp_path, "- rule: GWA001\n  reason: internal webhooks\n")
    assert n == 2 and not [d for d in kept if d.code == "GWA001"] and ignore.problems == []


def test_ignore_is_scoped_by_pointer(tmp_path: Path) -> None:
    kept, n, ignore = _ignored(tmp_path, "- rule: GWA001\n  pointer: /routes/1\n  reason: signed webhook\n")
    assert n == 1 and [d.pointer for d in kept if d.code == "GWA001"] == ["/routes/0/auth"]
    # /routes/1 must not match /routes/10 and beyond
    entry = ignore.entries[0]
    assert entry.matches(replace(kept[0], pointer="/routes/1"))
    assert not entry.matches(replace(kept[0], pointer="/routes/10/auth"))


def test_ignore_without_reason_is_a_finding_and_suppresses_nothing(tmp_path: Path) -> None:
    kept, n, ignore = _ignored(tmp_path, "# accepted\n- rule: GWA001\n  pointer: /routes/0\n")
    assert n == 0 and len([d for d in kept if d.code == "GWA001"]) == 2
    [p] = ignore.problems
    assert (p.code, p.level, p.line, p.pointer) == ("GWA901", Level.ERROR, 2, "/0")
    assert p.file.endswith("ignore.yaml")


def test_ignore_blank_reason_is_a_finding(tmp_path: Path) -> None:
    _, n, ignore = _ignored(tmp_path, "- rule: GWA001\n  reason: '  '\n")
    assert n == 0 and [(p.code, p.line, p.pointer) for p in ignore.problems] == [("GWA901", 2, "/0/reason")]


def test_ignore_expiry_is_honoured(tmp_path: Path) -> None:
    kept, n, ignore = _ignored(tmp_path, "- rule: GWA001\n  reason: until the fix ships\n  expires: 2026-05-31\n")
    assert n == 0 and len([d for d in kept if d.code == "GWA001"]) == 2
    [p] = ignore.problems
    assert (p.code, p.level, p.line, p.pointer) == ("GWA902", Level.WARNING, 3, "/0/expires")
    assert "2026-05-31" in p.message
    _, n, ignore = _ignored(tmp_path, "- rule: GWA001\n  reason: until the fix ships\n  expires: 2026-06-01\n")
    assert n == 2 and ignore.problems == []  # valid through its day


def test_ignore_unknown_rule_and_ignore_rules_cannot_be_ignored(tmp_path: Path) -> None:
    _, n, ignore = _ignored(tmp_path, "- rule: GWA999\n  reason: typo\n- rule: GWA901\n  reason: silence\n")
    assert n == 0
    assert [(p.code, p.level, p.line, p.pointer) for p in ignore.problems] == [
        ("GWA903", Level.ERROR, 1, "/0/rule"), ("GWA903", Level.ERROR, 3, "/1/rule")]
    assert "'GWA999'" in ignore.problems[0].message


@pytest.mark.parametrize("text, code, line", [
    ("rule: GWA001\n", "GWA904", 1),
    ("- GWA001\n", "GWA904", 1),
    ("- rule: GWA001\n  reason: x\n  until: 2027-01-01\n", "GWA904", 3),
    ("- rule: GWA001\n  reason: x\n  expires: next year\n", "GWA904", 3),
    ("- rule: GWA001\n  reason: x\n  pointer: routes/1\n", "GWA904", 3),
    ("- rule: [GWA001\n", "GWC002", 2),
])
def test_malformed_ignore_file(tmp_path: Path, text: str, code: str, line: int) -> None:
    _, n, ignore = _ignored(tmp_path, text)
    assert n == 0 and [(p.code, p.line) for p in ignore.problems][:1] == [(code, line)]
    assert all(p.level is Level.ERROR for p in ignore.problems)


def test_empty_ignore_file_is_fine(tmp_path: Path) -> None:
    _, n, ignore = _ignored(tmp_path, "# nothing ignored yet\n")
    assert n == 0 and ignore.problems == [] and ignore.entries == []


def test_unused_entry_and_default_ignore_file_beside_the_spec(tmp_path: Path) -> None:
    (tmp_path / "gateway.yaml").write_text(TWO_OPEN_WRITES)
    (tmp_path / ".gwc-audit-ignore.yaml").write_text(
        "- rule: GWA001\n  reason: webhooks\n- rule: GWA014\n  reason: stale\n")
    run = run_audit([str(tmp_path / "gateway.yaml")], None, TODAY)
    assert run.suppressed == 2 and not run.invalid
    assert [(d.code, d.level, d.line) for d in run.diagnostics] == [("GWA905", Level.NOTE, 3)]


# ---- the command line ----

MEDIUM_ONLY = spec(defaults="defaults:\n  auth: users\n")            # GWA006
HIGH = TWO_OPEN_WRITES                                               # GWA001 x2


@pytest.mark.parametrize("text, args, code", [
    (spec(), [], 0),
    (MEDIUM_ONLY, [], 0),
    (MEDIUM_ONLY, ["--fail-on", "medium"], 1),
    (MEDIUM_ONLY, ["--fail-on", "low"], 1),
    (spec(auth=AUTH + "      query: t\n"), ["--fail-on", "medium"], 0),   # a low finding only
    (spec(auth=AUTH + "      query: t\n"), ["--fail-on", "low"], 1),
    (HIGH, [], 1),
    (HIGH, ["--fail-on", "severe"], 2),
    (HIGH, ["--format", "yaml"], 2),
    (HIGH, ["--ignore", "missing.yaml"], 2),
    ("gwc: 1\nname: t\nservices: {a: {url: 'http://a'}}\nroutes:\n  - path: /a\n    service: b\n", [], 1),
])
def test_cli_exit_codes(tmp_path: Path, text: str, args: list, code: int) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text(text)
    r = gwc("audit", path, *args, cwd=tmp_path)
    assert r.returncode == code, r.stderr
    assert "Traceback" not in r.stderr


def test_cli_text_and_json_output(tmp_path: Path) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text(HIGH)
    r = gwc("audit", path)
    assert f"{path}:20:11: error GWA001:" in r.stderr and "hint:" in r.stderr
    assert "2 high, 0 medium, 0 low" in r.stderr
    r = gwc("audit", path, "--format", "json")
    found = json.loads(r.stdout or r.stderr)
    assert [(d["code"], d["pointer"]) for d in found] == [("GWA001", "/routes/0/auth"), ("GWA001", "/routes/1/auth")]


def test_cli_ignore_option(tmp_path: Path) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text(HIGH)
    ignore = tmp_path / "accepted.yaml"
    ignore.write_text("- rule: GWA001\n  reason: signed webhooks\n  expires: 2999-12-31\n")
    r = gwc("audit", path, "--ignore", ignore)
    assert r.returncode == 0, r.stderr
    assert "(2 ignored)" in r.stderr
    ignore.write_text("- rule: GWA001\n")
    r = gwc("audit", path, "--ignore", ignore)
    assert r.returncode == 1 and f"{ignore}:1:3: error GWA901" in r.stderr


EXAMPLES = sorted(p for p in (ROOT / "examples").rglob("*.yaml") if "keys" not in p.parts)


@pytest.mark.parametrize("example", EXAMPLES, ids=[str(p.relative_to(ROOT)) for p in EXAMPLES])
def test_every_example_audits(example: Path) -> None:
    r = gwc("audit", example)
    assert r.returncode in (0, 1) and "Traceback" not in r.stderr and "internal error" not in r.stderr
