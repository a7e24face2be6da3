"""`gwc audit`: security rules over a valid spec, with an ignore file for accepted exceptions.

A finding is a `gwc.diagnostics.Diagnostic`: the rule id as its code (GWA001...), the rule's severity as its
level (high = error, medium = warning, low = note), the spec's file:line:column and the JSON pointer of the
offending value, the value quoted in the message, and the rule's fix as the hint.

The ignore file (YAML, a list of entries) accepts findings on purpose:

    - rule: GWA001            # required: a rule id
      pointer: /routes/3      # optional: only findings at this pointer or below it
      reason: "webhook from the payment provider, checked by signature upstream"   # required
      expires: 2027-01-31     # optional: the entry stops working after this day

Entries without a reason, expired entries and unknown rule ids do not suppress anything and are findings
themselves (GWA9xx), located in the ignore file. Findings about the ignore file cannot be ignored.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

from gwc.audit.rules import ALL_RULES, IGNORE_RULES, LEVELS, RULES, SEVERITIES, Context
from gwc.diagnostics import Diagnostic, has_errors
from gwc.load import Document, load_file
from gwc.model import Gateway

Finding = Diagnostic
DEFAULT_IGNORE = ".gwc-audit-ignore.yaml"
ENTRY_KEYS = ("rule", "pointer", "reason", "expires")
__all__ = ["Finding", "IgnoreEntry", "IgnoreFile", "AuditRun", "audit", "apply_ignores", "load_ignore",
           "run_audit", "fails", "count", "DEFAULT_IGNORE", "SEVERITIES", "RULES", "IGNORE_RULES"]


def audit(gateway: Gateway, doc: Document) -> list[Finding]:
    """Run every rule on one valid spec. Findings are located in the spec and sorted by position."""
    ctx = Context(gateway, doc)
    out: dict[tuple[str, str, str], Finding] = {}
    for rule in RULES:
        for hit in rule.check(ctx):
            composite = isinstance(ctx.value(hit.pointer), (dict, list))
            d = doc.diag(rule.id, hit.message, hit.pointer, rule.fix, level=LEVELS[rule.severity], key=composite)
            out.setdefault((rule.id, hit.pointer, hit.message), d)
    return sorted(out.values(), key=lambda d: (d.line, d.column, d.code, d.message))


@dataclass(frozen=True)
class IgnoreEntry:
    """One valid, unexpired entry of an ignore file."""

    rule: str
    pointer: str
    reason: str
    expires: _dt.date | None
    where: Diagnostic  # a located GWA905 for this entry, used when it matches nothing

    def matches(self, finding: Finding) -> bool:
        """Same rule, and the finding's pointer is the entry's pointer or below it (no pointer: anywhere)."""
        if finding.code != self.rule:
            return False
        return not self.pointer or finding.pointer == self.pointer or finding.pointer.startswith(self.pointer + "/")


@dataclass
class IgnoreFile:
    """A loaded ignore file: the entries that suppress, and the findings about the file itself."""

    path: str
    entries: list[IgnoreEntry] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    used: set[int] = field(default_factory=set)


def _problem(doc: Document, rule_id: str, message: str, pointer: str, key: bool = False) -> Diagnostic:
    rule = ALL_RULES[rule_id]
    return doc.diag(rule_id, message, pointer, rule.fix, level=LEVELS[rule.severity], key=key)


def load_ignore(path: str | Path, today: _dt.date) -> IgnoreFile:
    """Read an ignore file. `today` decides which entries have expired (an entry is valid through its
    `expires` day)."""
    result = IgnoreFile(str(path))
    doc, diags = load_file(path)
    if doc is None and [d.code for d in diags] == ["GWC003"]:
        return result  # empty, or only comments: no entries
    if doc is None or has_errors(diags):
        result.problems = diags
        return result
    if not isinstance(doc.data, list):
        result.problems.append(_problem(doc, "GWA904", f"the ignore file must be a YAML list of entries, not "
                                        f"a {type(doc.data).__name__}", ""))
        return result
    ids = {r.id for r in RULES}
    for i, raw in enumerate(doc.data):
        ptr = f"/{i}"
        if not isinstance(raw, dict):
            result.problems.append(_problem(doc, "GWA904", f"entry {i} must be a mapping with rule and reason, "
                                            f"not {raw!r}", ptr))
            continue
        bad = False
        for key in raw:
            if key not in ENTRY_KEYS:
                bad = True
                result.problems.append(_problem(doc, "GWA904", f"entry {i} has the unknown key {key!r} "
                                                f"(allowed: {', '.join(ENTRY_KEYS)})", f"{ptr}/{key}", key=True))
        rule = raw.get("rule")
        if not isinstance(rule, str):
            bad = True
            result.problems.append(_problem(doc, "GWA904", f"entry {i} needs 'rule' as a rule id like "
                                            f"'GWA001', not {rule!r}", f"{ptr}/rule" if "rule" in raw else ptr))
        elif rule not in ids:
            bad = True
            why = "findings about the ignore file cannot be ignored" if rule in ALL_RULES else "no such rule"
            result.problems.append(_problem(doc, "GWA903", f"entry {i} names the rule {rule!r}: {why}",
                                            f"{ptr}/rule"))
        pointer = raw.get("pointer", "")
        if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
            bad = True
            result.problems.append(_problem(doc, "GWA904", f"entry {i} has the pointer {pointer!r}; a JSON "
                                            "pointer starts with '/' (like /routes/3)", f"{ptr}/pointer"))
        reason = raw.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            bad = True
            result.problems.append(_problem(doc, "GWA901", f"entry {i} ignores {rule!r} without a reason "
                                            f"(reason: {reason!r})", f"{ptr}/reason" if "reason" in raw else ptr))
        expires = raw.get("expires")
        day = None
        if expires is not None:
            try:
                day = _dt.date.fromisoformat(expires) if isinstance(expires, str) else None
            except ValueError:
                day = None
            if day is None:
                bad = True
                result.problems.append(_problem(doc, "GWA904", f"entry {i} has expires {expires!r}; write a "
                                                "date as YYYY-MM-DD", f"{ptr}/expires"))
            elif day < today:
                bad = True
                result.problems.append(_problem(doc, "GWA902", f"entry {i} ignoring {rule!r} expired on "
                                                f"{day.isoformat()} (today is {today.isoformat()})",
                                                f"{ptr}/expires"))
        if not bad:
            where = _problem(doc, "GWA905", f"entry {i} ignoring {rule!r}"
                             + (f" at {pointer!r}" if pointer else "") + " matched no finding", ptr)
            result.entries.append(IgnoreEntry(rule, pointer, reason, day, where))
    return result


def apply_ignores(findings: list[Finding], ignore: IgnoreFile) -> tuple[list[Finding], int]:
    """The findings no entry suppresses, and how many were suppressed. Marks the entries used."""
    kept, suppressed = [], 0
    for f in findings:
        hit = next((i for i, e in enumerate(ignore.entries) if e.matches(f)), None)
        if hit is None:
            kept.append(f)
        else:
            suppressed += 1
            ignore.used.add(hit)
    return kept, suppressed


@dataclass
class AuditRun:
    """The outcome of auditing several specs."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    suppressed: int = 0
    invalid: bool = False  # a spec had errors: its validation diagnostics are in `diagnostics`


def run_audit(specs: list[str], ignore: str | None, today: _dt.date, env: str | None = None) -> AuditRun:
    """Audit spec files as the CLI does: invalid specs give their validation diagnostics; each valid one is
    audited and filtered by `ignore`, or else by the `.gwc-audit-ignore.yaml` beside it when there is one."""
    from gwc.pipeline import load_gateway  # the pipeline imports every stage; keep `gwc.audit` light

    run = AuditRun()
    files: dict[str, IgnoreFile] = {}
    for spec in specs:
        loaded = load_gateway(spec, env)
        if loaded.gateway is None or loaded.doc is None:
            run.invalid = True
            run.diagnostics += loaded.diagnostics
            continue
        findings = audit(loaded.gateway, loaded.doc)
        path = ignore if ignore is not None else str(Path(spec).parent / DEFAULT_IGNORE)
        if ignore is not None or Path(path).is_file():
            if path not in files:
                files[path] = load_ignore(path, today)
            findings, n = apply_ignores(findings, files[path])
            run.suppressed += n
        run.diagnostics += findings
    for f in files.values():
        run.diagnostics += f.problems
        run.diagnostics += [e.where for i, e in enumerate(f.entries) if i not in f.used]
    return run


def fails(diags: list[Diagnostic], fail_on: str) -> bool:
    """True when a diagnostic is at or above the severity `fail_on` (high, medium or low)."""
    return any(d.level >= LEVELS[fail_on] for d in diags)


def count(diags: list[Diagnostic]) -> str:
    """'1 high, 2 medium, 0 low'."""
    return ", ".join(f"{sum(d.level is LEVELS[s] for d in diags)} {s}" for s in SEVERITIES)

