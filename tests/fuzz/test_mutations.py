"""No input breaks the compiler. Two tables:

1. Hostile files (a billion-laughs file, 50 MB, binary data, invalid UTF-8, NUL, UTF-16, !!python/object and
   other tags, duplicate keys, merge keys, 100,000-deep nesting, a 5 MB string, huge numbers, several documents,
   a scalar or list at the top, ...): each runs as a real `gwc validate` and `gwc compile --target all` process and
   must exit 1 with a located error (file:line:col), no traceback, within 2 s of CPU time and 200 MB.
2. Mutations of every shipped valid spec (a value swapped for one of another type or shape, huge or negative
   numbers, unicode, long strings, deep nesting, a key dropped or added, an item duplicated): each is loaded and,
   when still valid, compiled for every target in-process; nothing may raise, and every refusal is located."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.conftest import ROOT, gateway_examples
from tests.fuzz.mutations import mutate

SPECS = gateway_examples() + sorted((ROOT / "tests" / "golden" / "cases").glob("*/spec.yaml"))
TARGETS = ("aws", "azure", "gateway-api", "gcp", "istio", "nginx")
MUTATIONS_PER_SPEC = 25
CPU_SECONDS, MEGABYTES = 2.0, 200
BASE = "gwc: 1\nname: t\nservices:\n  a: {url: 'http://127.0.0.1:8080'}\nroutes:\n  - {path: /x, service: a}\n"
LAUGHS = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))

HOSTILE: dict[str, bytes] = {
    "billion-laughs": (BASE + LAUGHS.replace("a: &a", "x_a: &a")).encode(),
    "fifty-megabytes": BASE.encode() + b"# " + b"x" * (50 * 1024 * 1024) + b"\n",
    "binary": bytes(random.Random(7).randrange(256) for _ in range(4096)),
    "invalid-utf8": BASE.encode() + b"title: \xff\xfe\xfa\n",
    "nul": BASE.encode() + b"title: a\x00b\n",
    "utf16": BASE.encode("utf-16"),
    "python-object": (BASE + "title: !!python/object/apply:os.system ['echo pwned']\n").encode(),
    "python-name": (BASE + "title: !!python/name:os.system\n").encode(),
    "binary-tag": (BASE + "title: !!binary aGVsbG8=\n").encode(),
    "custom-tag": (BASE + "title: !vault xyz\n").encode(),
    "set-tag": (BASE + "hosts: !!set {a.example.com}\n").encode(),
    "duplicate-key": (BASE + "name: u\n").encode(),
    "merge-key": (BASE + "defaults: {<<: {body_limit: 1MiB}}\n").encode(),
    "deep-nesting": (BASE + "title: " + "[" * 100_000 + "]" * 100_000 + "\n").encode(),
    "deep-mapping": (BASE + "x: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n").encode(),
    "long-string": (BASE + "title: '" + "y" * (5 * 1024 * 1024) + "'\n").encode(),
    "huge-number": BASE.replace("{url: 'http://127.0.0.1:8080'}",
                                "{targets: [{url: 'http://127.0.0.1:8080', weight: 1" + "0" * 400 + "}]}").encode(),
    "huge-float": (BASE + "defaults: {body_limit: 1e999}\n").encode(),
    "negative": BASE.replace("routes:", "defaults: {rate_limit: {rate: 1/s, burst: -5}}\nroutes:").encode(),
    "two-documents": (BASE + "---\n" + BASE).encode(),
    "top-level-list": b"- gwc: 1\n- name: t\n",
    "top-level-scalar": b"just a string\n",
    "empty": b"",
    "comments-only": b"# nothing here\n",
    "tab-indent": b"gwc: 1\nservices:\n\ta: {url: 'http://127.0.0.1:1'}\n",
    "unclosed-quote": (BASE + "title: 'abc\n").encode(),
    "bom": b"\xef\xbb\xbf" + (BASE + "title: [\n").encode(),
    "rtl-and-controls": (BASE + "title: \"a\\u202eb\\u0007\"\n").encode(),
}
PROBE = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, text=True, "
         "errors='replace'); u = resource.getrusage(resource.RUSAGE_CHILDREN); "
         "sys.stdout.write(f'{r.returncode} {u.ru_utime + u.ru_stime:.3f} {u.ru_maxrss}\\n' + r.stdout + r.stderr)")
GWC = str(Path(sys.executable).parent / "gwc")


def _run_bounded(args: list[str]) -> tuple[int, float, float, str]:
    done = subprocess.run([sys.executable, "-c", PROBE, GWC, *args], capture_output=True, text=True, timeout=120)
    head, _, output = done.stdout.partition("\n")
    code, cpu, rss = head.split()
    return int(code), float(cpu), int(rss) / 1024, output


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("command", ["validate", "compile"])
def test_hostile_file_is_refused_with_a_located_error_quickly(tmp_path: Path, name: str, command: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_bytes(HOSTILE[name])
    args = [command, str(spec)] + (["--target", "all", "--allow-lossy", "-o", str(tmp_path / "out")]
                                   if command == "compile" else [])
    code, cpu, megabytes, output = _run_bounded(args)
    assert code == 1, output[-3000:]
    assert "Traceback" not in output and "internal error" not in output, output[-3000:]
    assert f"{spec}:" in output and ": error GWC" in output, output[-3000:]
    line = next(x for x in output.splitlines() if ": error GWC" in x)
    assert line.split(":")[1].isdigit() and line.split(":")[2].isdigit(), line  # file:line:col
    assert cpu <= CPU_SECONDS, f"{cpu:.2f} s of CPU"
    assert megabytes <= MEGABYTES, f"{megabytes:.0f} MB"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_mutations_never_break_the_compiler(tmp_path: Path, spec: Path) -> None:
    data = yaml.safe_load(spec.read_text())
    for extra in spec.parent.rglob("*"):  # keys, included files: the mutated copy sits beside them
        if extra.is_file() and extra != spec:
            target = tmp_path / extra.relative_to(spec.parent)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(extra.read_bytes())
    rng = random.Random(str(spec.relative_to(ROOT)))
    outcomes = {"refused": 0, "compiled": 0}
    for i in range(MUTATIONS_PER_SPEC):
        path = tmp_path / "mutated.yaml"
        path.write_text(yaml.safe_dump(mutate(data, rng), sort_keys=False, allow_unicode=True))
        loaded = load_gateway(str(path))
        if loaded.gateway is None:
            errors = [d for d in loaded.diagnostics if d.level.name == "ERROR"]
            assert errors and all(d.file and d.line > 0 for d in errors), [d.format() for d in loaded.diagnostics]
            outcomes["refused"] += 1
            continue
        for name in TARGETS:
            files, diags = compile_gateway(loaded.gateway, loaded.doc, load_target(name)[0], allow_lossy=True)
            assert files or any(d.level.name == "ERROR" and d.line > 0 for d in diags), (name, i)
        outcomes["compiled"] += 1
    assert outcomes["refused"] > 0, outcomes
