"""No spec value can change the structure of nginx.conf.

A corpus of hostile values goes into every string field that reaches nginx. Each case must either be
refused with a located diagnostic, or compile to a configuration whose directive tree (names, argument
counts, nesting) is identical to the one a harmless value gives, and that the real `nginx -t` accepts.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from gwc.diagnostics import Level
from gwc.output import write_tree
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.e2e.harness import nginx_config_test, require_tool
from tests.security.nginx_syntax import parse
from tests.security.nginx_syntax import shape as tree_shape

HOSTILE = [
    ";", "{", "}", "\n", "\r", "\x00", "#", "$var", "${x}", "$$", '"', "'", "\\", "\\\"", "<", "&", "]]>",
    "@(x)", "@{x}", "{{x}}", "%2F", "..", "x" * 5000, "é", "\u202eevil", "a; return 200 x; #", "}\nserver {",
    "\" always; add_header X y", "\\n", "`id`",
]

BASE = {
    "gwc": 1, "name": "inj",
    "services": {"app": {"url": "http://127.0.0.1:9001"},
                 "canned": {"mock": {"status": 200, "body": "ok", "headers": {"X-Mock": "ok"}}}},
    "auth": {"jwt": {"jwt": {"issuer": "https://issuer.example/", "audiences": ["aud"],
                             "secret": {"env": "GWC_SECRET"}}},
             "key": {"api_key": {"header": "X-Key", "keys": {"file": "/etc/gwc/keys"}}}},
    "routes": [
        {"path": "/p/{id}", "service": "app", "rewrite": "/q/{id}", "auth": ["jwt", "key"],
         "headers": {"request": {"set": {"X-Req": "ok"}, "remove": ["X-Gone"]},
                     "response": {"set": {"X-Resp": "ok"}}},
         "cors": {"origins": ["https://ok.example"], "expose_headers": ["X-Exp"]},
         "cache": {"ttl": "1m", "key": ["header:X-Lang"]}},
        {"path": "/m", "service": "canned"},
    ],
}

# where each value goes: (field id, setter)
FIELDS = {
    "request header value": lambda s, v: s["routes"][0]["headers"]["request"]["set"].update({"X-Req": v}),
    "response header value": lambda s, v: s["routes"][0]["headers"]["response"]["set"].update({"X-Resp": v}),
    "mock body": lambda s, v: s["services"]["canned"]["mock"].update(body=v),
    "mock header value": lambda s, v: s["services"]["canned"]["mock"]["headers"].update({"X-Mock": v}),
    "path": lambda s, v: s["routes"][1].update(path="/m" + v),
    "rewrite": lambda s, v: s["routes"][0].update(rewrite="/q/{id}" + v),
    "header name": lambda s, v: s["routes"][0]["headers"]["request"]["remove"].append("X-" + v),
    "cors origin": lambda s, v: s["routes"][0]["cors"]["origins"].append("https://a.example" + v),
    "host": lambda s, v: s.update(hosts=["a.example" + v]),
    "upstream url": lambda s, v: s["services"]["app"].update(url="http://127.0.0.1:9001" + v),
    "issuer": lambda s, v: s["auth"]["jwt"]["jwt"].update(issuer="https://issuer.example/" + v),
    "audience": lambda s, v: s["auth"]["jwt"]["jwt"].update(audiences=["aud" + v]),
    "env name": lambda s, v: s["auth"]["jwt"]["jwt"].update(secret={"env": "GWC_" + v}),
    "key file": lambda s, v: s["auth"]["key"]["api_key"].update(keys={"file": "/etc/gwc/keys" + v}),
    "cache key": lambda s, v: s["routes"][0]["cache"].update(key=["header:X-Lang" + v]),
    "log path": lambda s, v: s.update(observability={"access_log": {"path": "logs/a" + v}}),
    "route name": lambda s, v: s["routes"][1].update(name="m" + v),
    "content type": lambda s, v: s["services"]["canned"]["mock"].update(content_type="text/plain" + v),
}


def shape(nodes) -> list:
    """The structure, minus the `geo $gwc_dollar` block that appears whenever a value holds a literal '$'."""
    def keep(ns):
        for n in ns:
            if n.children is not None:
                n.children = keep(n.children)
        return [n for n in ns if not (n.name == "geo" and n.args == ["$gwc_dollar"])]
    return tree_shape(keep(nodes))


def _compile(tmp: Path, spec: dict) -> tuple[dict | None, list]:
    path = tmp / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True))
    loaded = load_gateway(str(path))
    if loaded.gateway is None:
        return None, loaded.diagnostics
    files, diags = compile_gateway(loaded.gateway, loaded.doc, load_target("nginx")[0])
    return (files or None), diags


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> list:
    files, diags = _compile(tmp_path_factory.mktemp("ref"), BASE)
    assert files, [d.format() for d in diags]
    return shape(parse(files["nginx.conf"]))


@pytest.mark.parametrize("field", sorted(FIELDS))
@pytest.mark.parametrize("value", HOSTILE, ids=[repr(v)[:24] for v in HOSTILE])
def test_hostile_value_is_refused_or_inert(tmp_path: Path, reference: list, field: str, value: str) -> None:
    spec = copy.deepcopy(BASE)
    FIELDS[field](spec, value)
    files, diags = _compile(tmp_path, spec)
    if files is None:
        errors = [d for d in diags if d.level is Level.ERROR]
        assert errors, "no output and no error"
        assert all(d.line >= 1 and d.file.endswith("spec.yaml") and d.hint for d in errors)
        return
    assert shape(parse(files["nginx.conf"])) == reference, f"{field}={value!r} changed the structure"
    for name, text in files.items():
        assert "\x00" not in text, name


# Values that compile (rather than being refused) must also pass the real nginx -t.
ACCEPTED = [("request header value", v) for v in ('a; return 200 x; #', "${x}", "\\\"", "}", "$$")] + \
           [("mock body", v) for v in ("}\nserver {", "$var", "\\", "é", "\u202eevil")]


@pytest.mark.parametrize("field,value", ACCEPTED, ids=[f"{f}:{v!r}"[:40] for f, v in ACCEPTED])
def test_accepted_hostile_values_pass_nginx_t(tmp_path: Path, field: str, value: str) -> None:
    require_tool("nginx")
    spec = copy.deepcopy(BASE)
    FIELDS[field](spec, value)
    files, diags = _compile(tmp_path, spec)
    assert files, [d.format() for d in diags]
    out = tmp_path / "out"
    assert write_tree(out, files) is None
    proc = nginx_config_test(out)
    assert proc.returncode == 0, proc.stderr
