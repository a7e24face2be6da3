"""Compile several targets of one loaded spec, in this process alone or with forked workers.

Targets are independent once the spec is loaded, so `gwc compile --target all` forks `jobs - 1` workers after
loading and this process and the workers take targets one at a time from a shared queue (a pipe holding one
byte per target: a one-byte read is atomic, so each target is taken once). A worker inherits the model
(copy-on-write; the CLI freezes the collector's view of it first), compiles its targets and writes or compares
their files itself, so only diagnostics and counts come back (pickled in the staging folder). The runs are
put back in target order, so the output and the messages are the same bytes whatever the number of workers
(tests/unit/test_compile_jobs.py). This process compiles too: a worker idle while waiting would hold a
second copy of the model for nothing.
"""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from gwc.diagnostics import Diagnostic, has_errors
from gwc.features import feature_uses
from gwc.output import Staging, check_tree
from gwc.pipeline import Loaded, compile_gateway
from gwc.registry import load_target

# Most expensive first, so the last target to start is a short one (the rest keep their sorted order).
COST_ORDER = ("azure", "nginx", "aws", "istio")


@dataclass
class TargetRun:
    """What compiling one target produced, without its files (they are written or compared where made)."""

    name: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    diffs: list[str] | None = None      # --check: the differences with what is on disk
    write_error: str | None = None
    compiled: bool = False               # False: no files (the target failed to load or had errors)


@dataclass
class Job:
    """One compile: the loaded spec and what to do with each target's files."""

    loaded: Loaded
    allow_lossy: bool
    out: Path
    staging: Staging
    check: bool


def run_target(name: str, job: Job) -> TargetRun:
    """Compile one target and write its files to staging (or compare them with OUT/TARGET under --check)."""
    assert job.loaded.gateway is not None and job.loaded.doc is not None
    run = TargetRun(name)
    tgt, run.diagnostics = load_target(name)
    if tgt is None:
        return run
    files, more = compile_gateway(job.loaded.gateway, job.loaded.doc, tgt, job.allow_lossy, stream=True)
    run.diagnostics += more
    if has_errors(run.diagnostics):
        return run
    run.compiled, run.files = True, len(files)
    if job.check:
        run.diffs = check_tree(job.out / name, files)
    else:
        run.write_error = job.staging.write(name, files)
    return run


def default_jobs(targets: int) -> int:
    """One worker per core this process may use, at most one per target."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, targets))


def run_targets(names: list[str], job: Job, jobs: int) -> list[TargetRun]:
    """Every target's run, in the order of `names`. With jobs > 1 and several targets, this process and
    jobs - 1 forked workers take targets one at a time from a shared queue until none is left."""
    if jobs <= 1 or len(names) <= 1 or not hasattr(os, "fork"):
        return [run_target(n, job) for n in names]
    feature_uses(job.loaded.gateway)  # every target asks for it: worked out once, before forking
    order = sorted(names, key=lambda n: (COST_ORDER.index(n) if n in COST_ORDER else len(COST_ORDER)))
    # The workers' answers go to a private folder (mode 0700), never into OUT: --check writes nothing there,
    # and nobody else can swap an answer that is unpickled here.
    answers = Path(tempfile.mkdtemp(prefix="gwc-jobs-"))
    queue_r, queue_w = os.pipe()
    os.write(queue_w, bytes(range(len(order))))  # one byte per target; a read of one byte takes one
    os.close(queue_w)
    sys.stdout.flush()
    sys.stderr.flush()
    workers: dict[int, Path] = {}
    parent = os.getpid()
    try:
        for n in range(min(jobs, len(names)) - 1):
            answer = answers / f"worker-{n}.pickle"
            pid = os.fork()
            if pid == 0:  # the worker: never returns
                _worker(queue_r, order, job, answer, parent)
            workers[pid] = answer
        runs = {r.name: r for r in _take(queue_r, order, job)}
        for pid in list(workers):
            _, status = os.waitpid(pid, 0)
            answer = workers.pop(pid)  # only once reaped: a signal while waiting still stops it below
            runs.update((r.name, r) for r in _answer(answer, status))
    finally:
        os.close(queue_r)
        try:
            for pid in workers:  # only after an error here: stop the rest, leave no zombies
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        finally:
            shutil.rmtree(answers, ignore_errors=True)
    return [runs[n] for n in names]


def _take(queue: int, order: list[str], job: Job) -> list[TargetRun]:
    """Run targets from the queue until it is empty."""
    done = []
    while index := os.read(queue, 1):
        done.append(run_target(order[index[0]], job))
    return done


class WorkerFailed(Exception):
    """An exception raised in a worker, raised again here as what it was (class name and message), so the
    same failure reads the same whichever process met it; the worker's traceback is kept for GWC_DEBUG."""

    def __init__(self, kind: str, message: str, trace: str) -> None:
        super().__init__(message)
        self.kind, self.trace = kind, trace   # kind: the class name the CLI reports ("" for this class's)


def _worker(queue: int, order: list[str], job: Job, answer: Path, parent: int) -> None:
    """A forked worker: run targets from the queue and leave the runs (or the error) in `answer`."""
    _die_with_parent(parent)
    status = 0
    try:
        result: object = _take(queue, order, job)
    except BaseException as exc:  # reported by the parent as an internal error
        result, status = (exc.__class__.__name__, str(exc), traceback.format_exc()), 1
    try:
        answer.write_bytes(pickle.dumps(result, pickle.HIGHEST_PROTOCOL))
    finally:
        os._exit(status)  # no atexit handlers, no flushing of buffers inherited from the parent


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this worker if gwc dies first (even by SIGKILL, where no clean-up can run)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the worker finishes its targets and exits on its own
    if os.getppid() != parent:  # gwc died before the request was made
        os._exit(1)


def _answer(answer: Path, status: int) -> list[TargetRun]:
    """A finished worker's runs (its wait status says how it ended when it left no answer)."""
    try:
        result = pickle.loads(answer.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError):
        raise WorkerFailed("", f"a compile worker ended without an answer (exit status "
                               f"{os.waitstatus_to_exitcode(status)})", "") from None
    if isinstance(result, tuple):
        kind, message, trace = result
        if os.environ.get("GWC_DEBUG"):
            sys.stderr.write(f"gwc: the compile worker's traceback:\n{trace}")
        raise WorkerFailed(kind, message, trace)
    return result
