"""What the retry-safety tests (test_*_faults.py) share: the failures they inject, running a deploy, and a
count of every failure injected (printed at the end of the run by tests/deploy/conftest.py).

The pattern, per cloud target: a module fixture deploys the spec cleanly (A, then B over A) through the
recording proxy and keeps the write calls each deploy made and the end state read back from the local
endpoint. Then, for each write call index in turn:

- transient: that call is answered 429 or 503 (alternating by index, so each SDK's retry path is taken
  once per call without paying two back-offs per case; one test per target sends both, back to back);
  the deploy must retry and finish with the clean deploy's end state;
- lost answer: that call reaches the endpoint, which acts on it, and its answer is replaced by a 504
  (a gateway timeout); the retry must not act twice (a second API, plan or key) nor fail on what the
  first attempt made, and the end state must be the clean deploy's;
- hard: that call (and every write after it) is answered 400, which no SDK retries; the deploy must exit
  1 naming the step, and a re-run without faults must converge to the clean end state;
- switch: with A deployed, B is deployed with a hard failure at that call; what is served must be A's
  complete version or B's complete version, never a mix and never missing; a re-run converges to B.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml
from typer.testing import CliRunner

from gwc.cli import app

INJECTED: Counter = Counter()  # "aws transient" -> failures answered by the proxy instead of the endpoint
CASES: Counter = Counter()


def transient_statuses(index: int) -> list[int]:
    """429 on even write indexes, 503 on odd ones."""
    return [429] if index % 2 == 0 else [503]


def count(target: str, kind: str, proxy) -> int:
    """Add the failures the proxy injected in this test to the run's tally; returns them."""
    n = sum(1 for r in proxy.requests if r.injected)
    INJECTED[f"{target} {kind}"] += n
    CASES[f"{target} {kind}"] += 1
    return n


def deploy(tmp_path: Path, spec: dict, target: str, *extra: str):
    """`gwc deploy` in-process, as a user runs it; never a traceback."""
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    result = CliRunner().invoke(app, ["deploy", str(path), "--target", target, *extra])
    assert "Traceback" not in result.output, result.output
    return result


def failed_step(output: str) -> str:
    """The step a failed deploy names: "deploy failed at step 'X': ..." -> X."""
    marker = "deploy failed at step '"
    assert marker in output, output
    return output.split(marker, 1)[1].split("'", 1)[0]


def assert_located(output: str, step_prefix: str) -> None:
    """A hard failure is reported as a located, actionable message: the step, what was applied, a hint."""
    step = failed_step(output)
    assert step.startswith(step_prefix), (step, step_prefix, output)
    assert "already applied:" in output and "hint:" in output, output
    assert "injected by the test proxy" in output, output  # the endpoint's own message is passed on
