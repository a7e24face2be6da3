"""Targets are plug-ins found through the gwc.targets entry-point group: a third-party target works, a
broken one is a warning, two with one name is an error, and --allow-lossy turns unsupported into a warning."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "single-entry" / "gateway.yaml"

PLUGIN = '''
from gwc.target import EmitResult, Fidelity, Support

class Fake:
    name = "fake"
    title = "a third-party test target"
    fidelity = {"route.exact": Fidelity(Support.EXACT, ""), "route.methods": Fidelity(Support.UNSUPPORTED, "no"),
                "service.mock": Fidelity(Support.EXACT, ""), "observability.access_log": Fidelity(Support.EXACT, ""),
                "observability.request_id": Fidelity(Support.EXACT, ""),
                "observability.tracing": Fidelity(Support.EXACT, "")}

    def emit(self, gateway, options):
        result = EmitResult()
        for r in gateway.routes:
            result.mark("route.exact", r.id)
            if ("route.methods", r.id) not in options.drop:
                result.mark("route.methods", r.id)
            result.mark("service.mock", r.service)
        for f in ("observability.access_log", "observability.request_id", "observability.tracing"):
            result.mark(f, "gateway")
        result.files["routes.txt"] = "\\n".join(r.match.path for r in gateway.routes) + "\\n"
        return result

TARGET = Fake()
'''


def _plugin_dir(tmp_path: Path, entries: str) -> Path:
    site = tmp_path / "site"
    info = site / "fakegw-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fakegw\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[gwc.targets]\n" + entries)
    (site / "fakegw.py").write_text(PLUGIN)
    return site


def gwc(site: Path, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, "-m", "gwc", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=60)


def test_third_party_target_and_lossy(tmp_path: Path) -> None:
    site = _plugin_dir(tmp_path, "fake = fakegw:TARGET\n")
    listed = gwc(site, "targets")
    assert "fake: a third-party test target" in listed.stdout and "nginx:" in listed.stdout
    strict = gwc(site, "compile", EXAMPLE, "-t", "fake", "-o", tmp_path / "o1")
    assert strict.returncode == 1 and "GWC301" in strict.stderr and "error" in strict.stderr
    lossy = gwc(site, "compile", EXAMPLE, "-t", "fake", "-o", tmp_path / "o2", "--allow-lossy")
    assert lossy.returncode == 0, lossy.stderr
    assert "warning GWC301" in lossy.stderr and "left out" in lossy.stderr
    assert (tmp_path / "o2" / "fake" / "routes.txt").read_text() == "/users\n/orders\n"


def test_broken_plugin_is_a_warning(tmp_path: Path) -> None:
    site = _plugin_dir(tmp_path, "broken = no_such_module:TARGET\n")
    listed = gwc(site, "targets")
    assert listed.returncode == 0 and "GWC402" in listed.stderr and "nginx:" in listed.stdout
    assert gwc(site, "compile", EXAMPLE, "-t", "nginx", "-o", tmp_path / "o").returncode == 0


def test_two_targets_with_one_name_is_an_error(tmp_path: Path) -> None:
    site = _plugin_dir(tmp_path, "nginx = fakegw:TARGET\n")
    listed = gwc(site, "targets")
    assert listed.returncode == 1 and "GWC403" in listed.stderr
    compiled = gwc(site, "compile", EXAMPLE, "-t", "nginx", "-o", tmp_path / "o")
    assert compiled.returncode == 1 and "GWC403" in compiled.stderr


RAISING = '''
from gwc.target import EmitResult

class Raising:
    name = "raising"
    title = "a third-party target with a bug"
    fidelity = {}

    def emit(self, gateway, options):
        raise ValueError("the plug-in's own bug")

TARGET = Raising()
'''


def test_a_target_that_raises_is_the_same_internal_error_in_a_worker(tmp_path: Path) -> None:
    """A plug-in that raises: exit 3 and one line naming the exception, whether gwc or a forked worker ran it;
    nothing is written; GWC_DEBUG adds the worker's traceback."""
    site = _plugin_dir(tmp_path, "raising = raisinggw:TARGET\n")
    (site / "raisinggw.py").write_text(RAISING)
    seen, answers_before = set(), set(Path(tempfile.gettempdir()).glob("gwc-jobs-*"))
    for jobs in ("1", "2", "7"):
        out = tmp_path / f"o{jobs}"
        r = gwc(site, "compile", EXAMPLE, "-t", "all", "--allow-lossy", "-j", jobs, "-o", out)
        assert r.returncode == 3, r.stderr
        line = [x for x in r.stderr.splitlines() if x.startswith("gwc: internal error")]
        assert line and "Traceback (most recent" not in r.stderr
        assert not out.exists() or not any(out.rglob("*"))  # no file, no staging folder left
        seen.add(line[0])
    assert set(Path(tempfile.gettempdir()).glob("gwc-jobs-*")) <= answers_before  # workers' answers removed
    assert seen == {"gwc: internal error (ValueError: the plug-in's own bug). This is a bug in gwc; please report "
                    "it with the spec that caused it (GWC_DEBUG=1 shows the traceback)."}
    env = {**os.environ, "PYTHONPATH": str(site), "GWC_DEBUG": "1"}
    debug = subprocess.run([sys.executable, "-m", "gwc", "compile", str(EXAMPLE), "-t", "all", "--allow-lossy", "-j",
                            "7", "-o", str(tmp_path / "od")], capture_output=True, text=True, env=env, timeout=60)
    assert debug.returncode != 0 and "Traceback (most recent" in debug.stderr and "own bug" in debug.stderr
