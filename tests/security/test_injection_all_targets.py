"""No injection on any target: a table of hostile values (tests/security/injection_corpus.py: `;` `{` `}`,
newline, CR, NUL, `#`, `$var`, `${}`, quotes, backslash, `<`, `&`, `]]>`, `@(`, `@{`, `{{x}}`, `%2F`, `..`,
4,096 characters, non-ASCII, right-to-left marks, YAML and template syntax, and combinations) placed in every
string field of the spec (every string-typed property, map key, enum and const of the JSON Schema, plus the
key ids of the JWKS file the spec names), compiled in-process to all six targets with --allow-lossy.

Each (field, value) is, on each target:

- refused with a located error: loading (YAML, schema, checks) or the target fails with diagnostics that have
  a file, line and column, at least one of them at the field (its pointer, or the object that holds it);
- left out with a located warning: --allow-lossy turned a refusal into a warning at the field, and the
  target's output lost what the field was part of (a route, a header);
- or inert: the output has the structure of the harmless run's (tests/security/output_structure.py: nginx's
  directive tree and variables, the key trees of JSON/YAML/JS, the XML element tree, and the languages that
  read values: APIM expressions and named values, ARM expressions, Velocity, Fn::Sub, Envoy %...%).

Running it: the cases gwc's schema refuses are many (about 10,000) and alike; each value and each field is
sent through the whole pipeline (and its diagnostics located) on a deterministic sample of them, and the yes/no
schema check answers for the rest. Every case the schema accepts goes through the whole pipeline and every
target. GWC_INJECTION_FULL=1 sends every refused case through the pipeline too (about ten minutes).
"""

from __future__ import annotations

import atexit
import collections
import copy
import os
import shutil
import subprocess
import sys
import tempfile
import time
from functools import cache
from pathlib import Path

import pytest

from gwc.diagnostics import Diagnostic, Level
from tests.e2e.harness import require_tool
from tests.security.injection_corpus import (
    FIELDS,
    HOSTILE,
    SCHEMA_ACCEPTS,
    SIDE,
    TARGETS,
    Compiled,
    Field,
    compile_case,
    get,
    schema_string_fields,
    write_case,
)
from tests.security.output_structure import problems

FULL = os.environ.get("GWC_INJECTION_FULL") == "1"
STRIDE = 37  # one schema-refused case in STRIDE goes through the whole pipeline (coprime with the corpus size)
# Fields that are not in the schema, with why.
EXTRA = {"/services/*/mock/json/<key>": "a mock's json is any JSON value: its keys are free text too",
         "<jwks file>/keys/[]/kid": "read from the JWKS file at compile time and written into the outputs"}
# Targets that refuse a variant's base spec on purpose: the field cannot reach them.
REFUSED_BASES = {f"{owner}-{kind}": {"nginx"} for owner in ("hmac", "key")
                 for kind in ("aws_secret", "gcp_secret", "azure_keyvault")}
# A target may report a value that makes it leave something out at another place than the field, by design.
LEFT_OUT_ELSEWHERE = {
    # Istio's policy paths read '*' as a wildcard: the protected route after a path with a literal '*' is left
    # out, reported at that route (the message names the reason).
    ("istio", "GWC387"), ("istio", "GWC381"),
}
STATS: collections.Counter = collections.Counter()
SEEN_VALUES: set[str] = set()
SEEN_FIELDS: set[str] = set()


# --- the plan ---------------------------------------------------------------------------------------------

@cache
def plan() -> tuple[tuple[int, int, str], ...]:
    """(field index, value index, how): 'pipeline' (the whole pipeline on every target), or 'schema' (gwc's
    yes/no schema check refuses it: not sent further)."""
    out = []
    for i, f in enumerate(FIELDS):
        for j, v in enumerate(HOSTILE):
            spec, _ = f.place(v)
            refused = not f.side and not SCHEMA_ACCEPTS(spec)
            sampled = FULL or (i + j) % STRIDE == 0
            out.append((i, j, "schema" if refused and not sampled else "pipeline"))
    return tuple(out)


@cache
def reference(variant: str) -> Compiled:
    """The harmless run: the base spec (its variant), every field holding its base value."""
    field = next(f for f in FIELDS if f.variant == variant)
    spec, side = field.base()
    return compile_case(_scratch() / f"ref-{variant or 'base'}", spec, side)


@cache
def _scratch() -> Path:
    """A folder the cases are written to (one at a time), removed when the run ends."""
    folder = Path(tempfile.mkdtemp(prefix="gwc-injection-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


# --- judging one case -------------------------------------------------------------------------------------

def _related(pointer: str, field_pointers: list[str]) -> bool:
    """A diagnostic at the field, inside it, or at an object that holds it (not the whole document)."""
    return bool(pointer) and any(pointer == p or pointer.startswith(p + "/") or p.startswith(pointer + "/")
                                 for p in field_pointers)


def _inherited(pointer: str, field: Field) -> bool:
    """A diagnostic at a route about a default it inherits (targets report per route)."""
    return field.pointer.startswith("/defaults/") and pointer.startswith("/routes/")


def _at_field(d: Diagnostic, field: Field, value: str, case: Compiled) -> bool:
    """The diagnostic's pointer is the field's (or inside it, or an object holding it), and a map key that is
    refused is reported at the key's own line."""
    ptrs = _pointers(field, value)
    if not _related(d.pointer, ptrs):
        return False
    if field.mode == "key" and d.pointer not in ptrs and case.doc is not None and not field.side:
        return d.line in {case.doc.mark(p, key=True).line for p in ptrs}
    return True


def _located(d: Diagnostic) -> bool:
    return d.line >= 1 and d.column >= 1 and Path(d.file).name in ("spec.yaml", *SIDE) and bool(d.hint)


def _pointers(field: Field, value: str) -> list[str]:
    return [field.value_pointer(value), *[r.removesuffix("/<key>") for r in field.refs]]


def refusal_problems(errors: list[Diagnostic], field: Field, value: str, case: Compiled) -> list[str]:
    """A refusal must be located (file:line:col, a hint) and at least one error must be at the field."""
    if not errors:
        return ["no output and no error"]
    out = [f"unlocated error {d.format()!r}" for d in errors if not _located(d)]
    if not any(_at_field(d, field, value, case) for d in errors):
        out.append(f"no error at the field: {[f'{d.code} at {d.pointer}' for d in errors]}")
    return out


def _new_diagnostics(ref: list[Diagnostic], case: list[Diagnostic]) -> list[Diagnostic]:
    """The case's warnings and errors the harmless run did not have."""
    old = collections.Counter((d.code, d.pointer, d.message) for d in ref)
    out = []
    for d in case:
        key = (d.code, d.pointer, d.message)
        if old[key] > 0:
            old[key] -= 1
        elif d.level >= Level.WARNING:
            out.append(d)
    return out


def judge(field: Field, value: str, case: Compiled) -> tuple[str, list[str]]:
    """('refused' | 'accepted', failures) for one case."""
    if not case.loaded:
        STATS["refused when loading"] += 1
        return "refused", refusal_problems(case.errors, field, value, case)
    ref = reference(field.variant)
    failures = []
    for name in TARGETS:
        before, after = ref.outputs.get(name), case.outputs.get(name)
        if before is None:
            continue
        if after is None:
            STATS[f"refused by {name}"] += 1
            failures += [f"{name}: {p}" for p in refusal_problems(case.target_errors(name), field, value, case)]
            continue
        found = problems(name, before, after, field.optional_xml)
        if not found:
            STATS[f"inert on {name}"] += 1
            continue
        new = [d for d in _new_diagnostics(ref.by_target[name], case.by_target[name]) if _located(d)]
        if any(_at_field(d, field, value, case) for d in new):
            STATS[f"left out by {name} (located at the field)"] += 1
            continue
        if any(_inherited(d.pointer, field) for d in new):
            STATS[f"left out by {name} (located at a route that inherits the default)"] += 1
            continue
        if any((name, d.code) in LEFT_OUT_ELSEWHERE for d in new):
            STATS[f"left out by {name} (located elsewhere, by design)"] += 1
            continue
        STATS[f"INJECTION on {name}"] += 1
        failures.append(f"{name}: the structure changed: {found[:4]}")
    return "accepted", failures


# --- tests ------------------------------------------------------------------------------------------------

def test_the_corpus_has_every_string_field_of_the_schema() -> None:
    schema = schema_string_fields()
    covered = {f.loc for f in FIELDS}
    assert schema - covered == set(), "string fields of the schema with no place in the corpus"
    assert covered - schema == set(EXTRA), "corpus fields the schema does not have"
    assert len(schema) >= 150, len(schema)


def test_the_corpus_has_the_hostile_values_of_the_issue() -> None:
    required = [";", "{", "}", "\n", "\r", "\x00", "#", "$var", "${x}", '"', "'", "\\", "<", "&", "]]>", "@(x)",
                "@{x}", "{{x}}", "%2F", "..", "a;b", "x}\nserver{", '"\'', "\\\\", "\u00e9", "\u202eevil", "%2F.."]
    assert [v for v in required if v not in HOSTILE] == []
    assert any(len(v) >= 4096 for v in HOSTILE) and len(set(HOSTILE)) == len(HOSTILE)


@pytest.mark.parametrize("variant", sorted({f.variant for f in FIELDS}), ids=lambda v: v or "base")
def test_every_base_spec_compiles(variant: str) -> None:
    """The harmless runs exist on every target (but the ones a variant's secret reference cannot reach), and
    each field's base value is where the table says."""
    ref = reference(variant)
    assert ref.loaded, [d.format() for d in ref.errors]
    refused = {t for t in TARGETS if ref.outputs.get(t) is None}
    assert refused == REFUSED_BASES.get(variant, set()), [d.format() for d in ref.errors]
    for f in FIELDS:
        if f.variant == variant:
            spec, side = f.base()
            assert isinstance(get(side[f.side] if f.side else spec, f.pointer), (str, dict)), f.id


def test_the_plan_covers_every_field_and_every_value() -> None:
    """Every field and every value goes through the whole pipeline at least once."""
    piped = [(i, j) for i, j, how in plan() if how == "pipeline"]
    assert {i for i, _ in piped} == set(range(len(FIELDS)))
    assert {j for _, j in piped} == set(range(len(HOSTILE)))


@pytest.mark.parametrize("index", range(len(FIELDS)), ids=[f.id for f in FIELDS])
def test_hostile_values_are_refused_or_inert(index: int) -> None:
    field = FIELDS[index]
    failures = []
    for i, j, how in plan():
        if i != index:
            continue
        value = HOSTILE[j]
        STATS["cases"] += 1
        if how == "schema":
            STATS["refused by the schema (yes/no check)"] += 1
            continue
        STATS["through the pipeline"] += 1
        SEEN_VALUES.add(value)
        SEEN_FIELDS.add(field.id)
        spec, side = field.place(value)
        case = compile_case(_scratch() / "case", spec, side)
        outcome, found = judge(field, value, case)
        STATS[outcome] += 1
        failures += [f"{field.loc} at {field.pointer} = {value!r}: {p}" for p in found]
    assert not failures, "\n".join(failures)


def test_summary(record_property) -> None:
    """The counts (printed with -s, and in the junit properties)."""
    if len(SEEN_FIELDS) < len(FIELDS):
        pytest.skip("only part of the corpus ran")
    total = len(FIELDS) * len(HOSTILE)
    assert STATS["cases"] == total
    assert len(SEEN_VALUES) == len(HOSTILE)
    head = (f"fields: {len(FIELDS)} ({len(schema_string_fields())} in the schema), values: {len(HOSTILE)}, "
            f"cases: {total}")
    lines = [head] + [f"  {k}: {v}" for k, v in sorted(STATS.items())]
    print("\n".join(lines))
    for k, v in STATS.items():
        record_property(k, v)


# --- the command line, on a sample of refusals ------------------------------------------------------------

CLI_SAMPLE = [("/routes/[]/headers/request/set/<key>", "a;b"), ("/routes/[]/path", "x}\nserver{"),
              ("/services/*/url", "${x}")]


@pytest.mark.parametrize("loc,value", CLI_SAMPLE, ids=[f"{f}={v!r}" for f, v in CLI_SAMPLE])
def test_the_cli_refuses_with_exit_1_and_the_location(loc: str, value: str, tmp_path: Path) -> None:
    field = next(f for f in FIELDS if f.loc == loc)
    path = write_case(tmp_path, *field.place(value))
    case = compile_case(tmp_path / "inproc", *field.place(value))
    assert not case.loaded
    err = next(d for d in case.errors if _related(d.pointer, _pointers(field, value)))
    done = subprocess.run([sys.executable, "-m", "gwc", "compile", str(path), "--target", "all", "--allow-lossy",
                           "--out", str(tmp_path / "out")], check=False, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1, done.stderr
    assert f"{path}:{err.line}:{err.column}: error {err.code}" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()


# --- the targets' own validators, on a sample of accepted hostile outputs ---------------------------------

VALIDATED = [("/routes/[]/headers/request/set/*", '"\' ;{}$x ${y} \\ <&]]> @(x) {{x}} %2F'),
             ("/routes/[]/headers/response/set/*", "x}\nserver{"[:1] + " always; add_header X y #"),
             ("/services/*/mock/body", "}\nserver {\n$var ${x} #set($a=1) ]]# <evil/> @{x} {{x}} \u202eevil \u00e9"),
             ("/services/*/mock/headers/*", "@(x) {{x}} ]]> & < %DOWNSTREAM_REMOTE_ADDRESS%"),
             ("/services/*/mock/json", "</value><evil/> ${AWS::AccountId} \\\\ \"'"),
             ("/title", "[concat('x')] {{x}} @(x) <b>&amp;</b>"),
             ("/auth/*/jwt/audiences/[]", "{{x}}@(x)\"<&>]]>"),
             ("/auth/*/jwt/issuer", "%2F..;{}$x\"'<&>"),
             ("/$schema", "]]>@{x}{{x}}")]


@pytest.fixture(scope="module")
def xsd():
    from tests.validators.azure_checks import load_xsd
    return load_xsd()


@pytest.mark.parametrize("loc,value", VALIDATED, ids=[f"{f}={v[:16]!r}" for f, v in VALIDATED])
def test_accepted_hostile_outputs_pass_every_validator(loc: str, value: str, tmp_path: Path, xsd) -> None:
    from tests.e2e.tls import self_signed
    from tests.validators.every_target import check_every_target
    require_tool("nginx")
    field = next(f for f in FIELDS if f.loc == loc)
    case = compile_case(tmp_path / "spec", *field.place(value))
    assert case.loaded, [d.format() for d in case.errors]
    outputs = copy.deepcopy(case.outputs)
    assert all(outputs.values()), {t: [d.format() for d in case.target_errors(t)] for t in TARGETS}
    cert, key = self_signed()  # the spec serves TLS with certs/server.crt and certs/server.key
    outputs["nginx"]["certs/server.crt"] = cert.decode()
    outputs["nginx"]["certs/server.key"] = key.decode()
    started = time.monotonic()
    check_every_target(outputs, tmp_path / "check", xsd)
    assert time.monotonic() - started < 120


# --- paths: the characters a path may hold are literal in every regular expression made from it ------------

PATH_CHARACTERS = [".", "+", "*", "!", "~", "=", ":", "@", ",", "_", "-", ".+*", "a.b"]


def _regexes(target: str, files: dict[str, str]) -> set[str]:
    """The regular expressions a target matches request paths with."""
    import re as _re

    from tests.security.nginx_syntax import parse
    out: set[str] = set()
    if target == "nginx":
        def walk(nodes):
            for n in nodes:
                if n.name == "location" and n.args[:1] in (["~"], ["~*"]):
                    out.add(n.args[1])
                walk(n.children or [])
        walk(parse(files["nginx.conf"]))
    else:
        for text in files.values():
            out |= set(_re.findall(r"(?:regex|value): '?(\^[^'\n]*\$)'?\n", text))
    return out


@pytest.mark.parametrize("chars", PATH_CHARACTERS)
def test_path_characters_are_literal_in_regular_expressions(chars: str) -> None:
    """A route path holding regex syntax the path grammar allows (`. + * ! ~ = : @ ,`) is matched literally:
    each target's regular expression for `/p/{id}/x<chars>` matches that path and not one where a character
    of `<chars>` is replaced."""
    import re as _re
    field = next(f for f in FIELDS if f.loc == "/routes/[]/path")
    case = compile_case(_scratch() / "regex", *field.place(chars))
    assert case.loaded, [d.format() for d in case.errors]
    literal = "/p/42/x" + chars
    checked = 0
    for target in ("nginx", "istio", "gateway-api"):
        mine = [r for r in _regexes(target, case.outputs[target] or {}) if "/p/" in r]
        if not mine and case.outputs[target] is not None and not any(
                d.pointer.startswith("/routes/0") for d in case.by_target[target]):
            pytest.fail(f"{target}: no regular expression for the route")
        for regex in mine:
            checked += 1
            assert _re.search(regex, literal), (target, regex, literal)
            for i, c in enumerate(chars):
                if c.isalnum():
                    continue
                other = "/p/42/x" + chars[:i] + "Q" + chars[i + 1:]
                assert not _re.search(regex, other), (target, regex, other)
    assert checked >= 2, checked
