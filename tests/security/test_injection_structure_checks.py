"""The injection corpus is only as good as its oracle: tests/security/output_structure.py must see each kind
of injection. First on small hand-written outputs (harmless vs hostile), then end to end: each target's own
escaping is replaced by a version that does nothing, and the corpus's judge must report the case that
escaping was there for."""

from __future__ import annotations

import importlib
import json

import pytest

from gwc.registry import load_target
from tests.security.injection_corpus import FIELDS, compile_case
from tests.security.output_structure import (
    apim_value_problems,
    arm_problems,
    envoy_problems,
    nginx_problems,
    problems,
    sub_problems,
    vtl_problems,
)
from tests.security.test_injection_all_targets import _scratch, judge, reference

NGINX = 'http {\n  server {\n    location = "/m" {\n      add_header X-A "ok" always;\n      return 200 "ok";\n    }\n  }\n}\n'


@pytest.mark.parametrize("hostile,caught", [
    ('add_header X-A "a;b" always;', False),
    ('add_header X-A "a\\";b" always;', False),
    ('add_header X-A "${gwc_dollar}x" always;', False),
    ('add_header X-A "a"; return 200 x; #" always;', True),   # an unescaped quote ends the argument
    ('add_header X-A "a" always; add_header Y z;', True),
    ('add_header X-A "$http_cookie" always;', True),          # a variable nginx expands
    ('add_header X-A "a}" always;\n    }\n    server {', True),
    ('add_header X-A a b always;', True),
])
def test_nginx_oracle(hostile: str, caught: bool) -> None:
    case = NGINX.replace('add_header X-A "ok" always;', hostile)
    assert bool(nginx_problems(NGINX, case)) is caught, nginx_problems(NGINX, case)


def test_nginx_oracle_allows_the_dollar_block_and_value_derived_variables() -> None:
    case = NGINX.replace("http {\n", 'http {\n  geo $gwc_dollar {\n    default "$";\n  }\n')
    case = case.replace('"ok" always', '"${gwc_dollar}x" always')
    assert nginx_problems(NGINX, case) == []
    a = 'map $http_x_key $k {\n  default $http_x_key;\n}\n'
    assert nginx_problems(a, a.replace("x_key", "x_key_2")) == []


POLICY = ('<policies><inbound><set-header name="X-A" exists-action="override"><value>ok</value></set-header>'
          '<choose><when condition="@(context.Request.Headers.GetValueOrDefault(&quot;X&quot;, &quot;&quot;) == '
          '&quot;ok&quot;)"><base /></when></choose></inbound></policies>')


@pytest.mark.parametrize("old,new,caught", [
    ("<value>ok</value>", "<value>&lt;evil/&gt;]]&gt;</value>", False),
    ("<value>ok</value>", '<value>@("@(x)")</value>', False),              # gwc's constant expression
    ("<value>ok</value>", '<value>@("a" + "{" + "{x}" + "}")</value>', False),
    ("<value>ok</value>", "<value>@(context.Variables)</value>", True),      # C# APIM would run
    ("<value>ok</value>", "<value> @{ return 1; }</value>", True),
    ("<value>ok</value>", "<value>{{secret}}</value>", True),                # a named value APIM substitutes
    ("<value>ok</value>", "<value></value><evil/><value></value>", True),
    ("&quot;ok&quot;)", "&quot;ok&quot; || true)", True),                 # the code around a literal changed
    ("&quot;ok&quot;)", "&quot;o\\&quot;k&quot;)", False),                  # only the literal changed
])
def test_apim_oracle(old: str, new: str, caught: bool) -> None:
    case = POLICY.replace(old, new, 1)
    assert bool(problems("azure", {"p.xml": POLICY}, {"p.xml": case})) is caught


def test_apim_values() -> None:
    assert apim_value_problems("ok", "@(\"@{x}\" + \"}\")", "v") == []
    assert apim_value_problems("ok", "@(x)", "v")
    assert apim_value_problems("ok", "a{{b}}c", "v")


def test_xml_without_dtd() -> None:
    case = '<!DOCTYPE p [<!ENTITY x "y">]><policies><inbound /></policies>'
    assert problems("azure", {"p.xml": "<policies><inbound /></policies>"}, {"p.xml": case})


@pytest.mark.parametrize("ref,case,caught", [
    ("Shop", "[[concat('x')]", False), ("Shop", "[concat('x')]", True), ("Shop", "[x] y", False),
    ("[concat(parameters('a'), 'b')]", "[concat(parameters('a'), 'b''c')]", False),
    ("[concat(parameters('a'), 'b')]", "[concat(parameters('a'), 'b'), 'c')]", True),
])
def test_arm_oracle(ref: str, case: str, caught: bool) -> None:
    assert bool(arm_problems(ref, case, "t")) is caught


@pytest.mark.parametrize("case,caught", [
    ("#if($o == \"a\")#{end}#[[$x #y]]#", False), ("#if($o == \"a\")#{end}plain; text {}", False),
    ("#if($o == \"a\")#{end}$input.body", True), ("#if($o == \"a\")#{end}#[[a]]#]]##set($x=1)", True),
])
def test_vtl_oracle(case: str, caught: bool) -> None:
    assert bool(vtl_problems("#if($o == \"a\")#{end}ok", case, "t")) is caught


def test_other_languages() -> None:
    assert sub_problems("https://${Api}.x/", "https://${Api}.x/${AWS::AccountId}", "t")
    assert not sub_problems("https://${Api}.x/", "https://${Api}.x/${!literal}", "t")
    assert envoy_problems("ok", "%DOWNSTREAM_REMOTE_ADDRESS%", "t")
    assert not envoy_problems("ok", "%%DOWNSTREAM_REMOTE_ADDRESS%%", "t")


def test_tree_oracle() -> None:
    ref = {"paths": {"/m": {"get": {"x": "ok"}}}, "info": {"title": "ok"}}
    moved = {"paths": {"/m@": {"get": {"x": "ok"}}}, "info": {"title": "<&>'\""}}
    assert problems("gcp", {"o.json": json.dumps(ref)}, {"o.json": json.dumps(moved)}) == []
    extra = {"paths": {"/m": {"get": {"x": "ok"}, "post": {"x": "ok"}}}, "info": {"title": "ok"}}
    assert problems("gcp", {"o.json": json.dumps(ref)}, {"o.json": json.dumps(extra)})
    typed = {"paths": {"/m": {"get": {"x": True}}}, "info": {"title": "ok"}}
    assert problems("gcp", {"o.json": json.dumps(ref)}, {"o.json": json.dumps(typed)})
    yaml_ref = "a: ok\nb: 1\n"
    assert problems("istio", {"i.yaml": yaml_ref}, {"i.yaml": "a: ok\n  c: 2\nb: 1\n"})
    assert problems("istio", {"i.yaml": yaml_ref}, {"i.yaml": "a: ok\nb: 1\n---\nkind: Evil\n"})
    assert problems("istio", {"i.yaml": yaml_ref}, {"i.yaml": "a: true\nb: 1\n"})
    assert problems("istio", {"i.yaml": yaml_ref}, {"i.yaml": "a: 'ok\x00'\nb: 1\n"})


# --- end to end: each target without its escaping --------------------------------------------------------

def _identity_nginx(text: str) -> tuple[str, bool]:
    return f'"{text}"', "$" in text


MUTATIONS = [
    # (target, module under the target's package, name, replacement, field, value)
    ("nginx", "conf", "quote_literal", _identity_nginx, "/routes/[]/headers/request/set/*", "\" always; add_header X y"),
    ("nginx", "conf", "quote_literal", _identity_nginx, "/services/*/mock/body", "$http_cookie"),
    ("aws", "integration", "vtl_literal", lambda text: text, "/services/*/mock/body", "$input.params()"),
    ("aws", "policies", "quote_static", lambda v: f"'{v}'", "/routes/[]/headers/request/set/*", "a'b"),
    ("azure", "xmldoc", "escape_text", lambda text: text, "/services/*/mock/body", "</set-body><evil/><set-body>"),
    ("azure", "template", "arm_literal", lambda text: text, "/title", "[concat('x')]"),
    ("istio", "virtualservice", "header_value", lambda v: v, "/routes/[]/headers/request/set/*",
     "%DOWNSTREAM_REMOTE_ADDRESS%"),
]


@pytest.mark.parametrize("target,module,name,replacement,loc,value", MUTATIONS,
                         ids=[f"{t}.{m}.{n}" for t, m, n, *_ in MUTATIONS])
def test_the_judge_sees_a_target_without_its_escaping(target, module, name, replacement, loc, value,
                                                      monkeypatch) -> None:
    field = next(f for f in FIELDS if f.loc == loc)
    reference(field.variant)  # the harmless run, with the real escaping
    package = type(load_target(target)[0]).__module__
    mod = importlib.import_module(f"{package}.{module}")
    if not hasattr(mod, name):
        pytest.fail(f"{package}.{module}.{name} moved: point this mutation at the escaping function's new home")
    honest = compile_case(_scratch() / "mutation", *field.place(value))
    assert not [p for p in judge(field, value, honest)[1] if p.startswith(target)]
    monkeypatch.setattr(mod, name, replacement)
    broken = compile_case(_scratch() / "mutation", *field.place(value))
    outcome, failures = judge(field, value, broken)
    assert [p for p in failures if p.startswith(f"{target}:")], (outcome, failures)
