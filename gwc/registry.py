"""Find targets through the `gwc.targets` entry-point group (built-ins register the same way).

Names are listed without importing anything; a target's module is imported only when it is asked for,
so `gwc validate` never pays for targets it does not use. A plug-in that fails to load is a warning;
two targets with one name is an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gwc.diagnostics import Diagnostic, Level
from gwc.target import Target

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

GROUP = "gwc.targets"


def _diag(code: str, level: Level, message: str, hint: str) -> Diagnostic:
    return Diagnostic("", 0, 0, level, code, message, "", hint)


def _entry_points() -> tuple[dict[str, EntryPoint], list[Diagnostic]]:
    from importlib.metadata import entry_points  # noqa: PLC0415 (a few ms; not needed by `gwc validate`)

    found: dict[str, EntryPoint] = {}
    diags = []
    for ep in sorted(entry_points(group=GROUP), key=lambda e: (e.name, e.value)):
        if ep.name in found and found[ep.name].value != ep.value:
            diags.append(_diag("GWC403", Level.ERROR,
                               f"two targets are named {ep.name!r}: {found[ep.name].value} and {ep.value}",
                               "uninstall one of the two packages"))
            continue
        found[ep.name] = ep
    return found, diags


def target_names() -> list[str]:
    """The names of the installed targets, sorted (imports nothing)."""
    return sorted(_entry_points()[0])


def load_target(name: str) -> tuple[Target | None, list[Diagnostic]]:
    """Import one target by name; problems come back as diagnostics."""
    eps, diags = _entry_points()
    if any(d.level is Level.ERROR and repr(name) in d.message for d in diags):
        return None, diags
    if name not in eps:
        return None, [_diag("GWC401", Level.ERROR, f"unknown target {name!r}",
                            f"installed targets: {', '.join(sorted(eps)) or 'none'} (see `gwc targets`)")]
    try:
        target = eps[name].load()
    except Exception as exc:  # a third-party plug-in may fail in any way; report, never crash
        return None, [_diag("GWC402", Level.WARNING, f"target {name!r} failed to load: "
                            f"{exc.__class__.__name__}: {exc}", f"check the package that provides {eps[name].value}")]
    if not all(hasattr(target, a) for a in ("name", "fidelity", "emit")):
        return None, [_diag("GWC402", Level.WARNING, f"target {name!r} ({eps[name].value}) is not a gwc target",
                            "it must have name, fidelity and emit")]
    return target, []


def load_all() -> tuple[list[Target], list[Diagnostic]]:
    """Every installed target that loads, plus warnings for those that do not."""
    eps, diags = _entry_points()
    targets = []
    for name in sorted(eps):
        target, more = load_target(name)
        diags += [d for d in more if d not in diags]
        if target is not None:
            targets.append(target)
    return targets, diags
