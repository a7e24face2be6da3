"""What every deployer shares: the plan it shows before acting, the options, and the errors it reports.

Deployers live beside their target (targets/<name>/deploy.py), register under the `gwc.deployers`
entry-point group and import their cloud SDK lazily, so nothing here pulls in an SDK.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

GROUP = "gwc.deployers"
SYMBOLS = {"create": "+", "update": "~", "delete": "-", "unchanged": "="}


@dataclass(frozen=True)
class DeployOptions:
    """Choices the user makes on the command line."""

    stage: str | None = None
    region: str | None = None
    poll_interval: float = 2.0  # seconds between reads of a long-running operation
    conf_dir: str | None = None  # nginx: the deploy folder (releases/, current, nginx's prefix)
    nginx_bin: str | None = None  # nginx: the executable (default: nginx on PATH)
    keep: int = 5  # nginx: how many releases to keep
    start: bool = True  # nginx: start nginx when none runs


@dataclass(frozen=True)
class Change:
    """One line of a plan: what happens to which resource, and why."""

    action: str  # create | update | delete | unchanged
    kind: str
    name: str
    detail: str = ""

    def format(self) -> str:
        """`+ create usage_plan shop-partners (rate 10/s)`."""
        detail = f" ({self.detail})" if self.detail else ""
        return f"  {SYMBOLS[self.action]} {self.action} {self.kind} {self.name}{detail}"


@dataclass(frozen=True)
class Step:
    """One write the deployer will make, in order; `run` returns a short result for the progress line."""

    title: str
    run: Callable[[], str]


@dataclass
class Plan:
    """The changes a deploy would make (shown by --dry-run) and the steps that make them."""

    target: str
    summary: str
    changes: list[Change] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when everything is already as the spec says."""
        return not self.steps

    def format(self) -> str:
        """The plan as people read it."""
        lines = [f"plan for {self.target}: {self.summary}"] + [c.format() for c in self.changes]
        if self.empty:
            lines.append("no changes: what is deployed already matches the spec")
        return "\n".join(lines)


class DeployError(Exception):
    """A deploy step failed. Says which step, what was already applied, and how to go on."""

    def __init__(self, step: str, message: str, applied: list[str], hint: str = "") -> None:
        super().__init__(message)
        self.step, self.message, self.applied, self.hint = step, message, applied, hint

    def format(self) -> str:
        """A located, actionable report."""
        done = "; ".join(self.applied) if self.applied else "nothing"
        text = f"deploy failed at step '{self.step}': {self.message}\n    already applied: {done}"
        return text + (f"\n    hint: {self.hint}" if self.hint else "")


class MissingExtra(Exception):
    """The deployer's SDK is not installed."""

    def __init__(self, extra: str, package: str) -> None:
        super().__init__(f"the {extra} deployer needs {package}: pip install 'gwc[{extra}]'")


class Deployer(Protocol):
    """The plug-in interface of a deployer."""

    def plan(self, files: dict[str, str], options: DeployOptions) -> Plan:
        """Read what is deployed (read-only calls) and compute the plan."""
        ...  # pragma: no cover


def apply(plan: Plan, progress: Callable[[str], None]) -> list[str]:
    """Run the plan's steps in order with a progress line each; raises DeployError naming the failed step."""
    applied: list[str] = []
    for i, step in enumerate(plan.steps, 1):
        progress(f"[{i}/{len(plan.steps)}] {step.title} ...")
        try:
            result = step.run()
        except DeployError as exc:
            message = exc.message if exc.step in ("", step.title) else f"{exc.step}: {exc.message}"
            raise DeployError(step.title, message, applied, exc.hint) from None
        applied.append(step.title)
        progress(f"[{i}/{len(plan.steps)}] {step.title}: {result or 'done'}")
    return applied


def load_deployer(target: str) -> Callable[[], Deployer] | None:
    """The factory registered for a target, or None (imports only that deployer's module)."""
    from importlib.metadata import entry_points  # noqa: PLC0415 (kept off the validate path)

    for ep in entry_points(group=GROUP):
        if ep.name == target:
            return ep.load()
    return None
