"""`gwc compile --target all` in forked workers (-j 2) writes the same bytes and says the same things as in
one process (-j 1): files, messages, exit codes, --check, and the all-or-nothing rule when a target fails."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from bench import specgen
from bench.commands import process_tree
from tests.conftest import ROOT

SPECS = [ROOT / "examples" / "ecommerce" / "gateway.yaml"]


def gwc(*args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "GWC_DEBUG"}
    return subprocess.run([sys.executable, "-m", "gwc", *map(str, args)], capture_output=True, text=True, env=env,
                          timeout=300)


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A 300-route spec with every feature the benchmark uses (several targets warn, Azure writes a bundle)."""
    return specgen.write(tmp_path_factory.mktemp("jobs"), 300)


@pytest.mark.parametrize("which", ["example", "generated"])
def test_workers_write_the_same_bytes_and_messages(which: str, generated: Path, tmp_path: Path) -> None:
    spec = SPECS[0] if which == "example" else generated
    runs = {j: gwc("compile", spec, "--target", "all", "--allow-lossy", "-j", j, "-o", tmp_path / f"j{j}")
            for j in (1, 2)}
    assert runs[1].returncode == runs[2].returncode == 0, runs[2].stderr
    assert runs[1].stderr == runs[2].stderr and runs[1].stderr.count("\n") > 3
    assert runs[1].stdout.replace("j1", "j2") == runs[2].stdout
    one, two = tree(tmp_path / "j1"), tree(tmp_path / "j2")
    assert one == two and {p.split("/")[0] for p in one} == {"aws", "azure", "gateway-api", "gcp", "istio", "nginx"}
    assert not [p for p in (tmp_path / "j2").iterdir() if p.name.startswith(".gwc-")]  # staging removed


def test_a_failing_target_writes_nothing_in_workers_either(generated: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert gwc("compile", generated, "-t", "all", "--allow-lossy", "-j", "2", "-o", out).returncode == 0
    before = tree(out)
    runs = {j: gwc("compile", generated, "--target", "all", "-j", j, "-o", out) for j in (1, 2)}  # no --allow-lossy
    assert runs[1].returncode == runs[2].returncode == 1
    assert runs[1].stderr == runs[2].stderr and "error GWC301" in runs[2].stderr
    assert tree(out) == before and not [p for p in out.iterdir() if p.name.startswith(".gwc-")]


def test_check_in_workers(generated: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert gwc("compile", generated, "-t", "all", "--allow-lossy", "-o", out).returncode == 0
    assert gwc("compile", generated, "-t", "all", "--allow-lossy", "-j", "2", "-o", out, "--check").returncode == 0
    bundle = out / "azure" / "policies" / "operations.xml"
    bundle.write_text(bundle.read_text().replace("<base />", "<base/>", 1))
    r = gwc("compile", generated, "-t", "all", "--allow-lossy", "-j", "2", "-o", out, "--check")
    assert r.returncode == 1 and "GWC501" in r.stderr and "azure" in r.stderr and "nginx is not" not in r.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_check_writes_nothing_and_an_unwritable_out_is_a_located_failure(jobs: str, tmp_path: Path) -> None:
    spec = SPECS[0]
    missing = tmp_path / "never-written"
    r = gwc("compile", spec, "-t", "all", "--allow-lossy", "-j", jobs, "-o", missing, "--check")
    assert r.returncode == 1 and "GWC501" in r.stderr and not missing.exists()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    r = gwc("compile", spec, "-t", "all", "--allow-lossy", "-j", jobs, "-o", blocker / "out")
    assert r.returncode == 1 and r.stderr.startswith("gwc: cannot write ") and "Traceback" not in r.stderr
    assert "internal error" not in r.stderr and blocker.read_text() == "not a folder\n"


def test_sigterm_while_workers_compile_cleans_up(tmp_path: Path) -> None:
    """A cancelled CI job: SIGTERM to gwc while its worker compiles. Exit 143, the worker gone, no staging
    folder or answer left, OUT as it was."""
    spec = specgen.write(tmp_path / "big", 3000)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("earlier output\n")
    env = {k: v for k, v in os.environ.items() if k != "GWC_DEBUG"}
    answers_before = set(Path(tempfile.gettempdir()).glob("gwc-jobs-*"))
    proc = subprocess.Popen([sys.executable, "-m", "gwc", "compile", str(spec), "-t", "all", "--allow-lossy", "-j", "2",
                             "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        workers: list[int] = []
        for _ in range(3000):  # the worker exists once loading is done (about a quarter of a second)
            workers = process_tree(proc.pid)[1:]
            if workers or proc.poll() is not None:
                break
            time.sleep(0.002)
        assert workers, "no worker was seen before gwc ended"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 143, proc.stderr.read().decode()[-2000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Traceback" not in proc.stderr.read().decode()
    for pid in workers:
        for _ in range(500):
            if not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.01)
        assert not Path(f"/proc/{pid}").exists(), "the worker outlived gwc"
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert set(Path(tempfile.gettempdir()).glob("gwc-jobs-*")) <= answers_before  # the answers folder removed
