"""Generate docs/errors.md (from gwc.codes) and docs/capabilities.md (from every target's fidelity table).

Run: .venv/bin/python scripts/gen_docs.py   (tests/unit/test_docs.py fails when the files are stale)
"""

from __future__ import annotations

import sys
from pathlib import Path

from gwc.codes import CODES
from gwc.features import FEATURES
from gwc.registry import load_all

ROOT = Path(__file__).resolve().parent.parent
STAGES = {"load": "Loading the file", "schema": "Schema (shape and allow-lists)", "check": "Semantic checks",
          "fidelity": "Fidelity (what a target can express)", "target": "Target-specific limits",
          "cli": "The command line", "registry": "Targets and plug-ins"}


def errors_md() -> str:
    """The diagnostic-code reference."""
    lines = ["# Diagnostic codes", "",
             "Generated from `gwc/codes.py` by `scripts/gen_docs.py`; do not edit by hand.", "",
             "Every diagnostic says where (file:line:column and the JSON pointer), what, and how to fix it. "
             "Errors stop output and make gwc exit with 1; warnings and notes do not. Codes are stable.", ""]
    for stage, title in STAGES.items():
        lines += [f"## {title}", "", "| code | meaning |", "| --- | --- |"]
        lines += [f"| {code} | {text} |" for code, (s, text) in sorted(CODES.items()) if s == stage]
        lines.append("")
    return "\n".join(lines)


def capabilities_md() -> str:
    """The feature x target matrix."""
    targets, _ = load_all()
    lines = ["# Capability matrix", "",
             "Generated from each target's fidelity table by `scripts/gen_docs.py`; `gwc targets` prints the "
             "same table. **exact**: same behaviour; **approximate**: works, with the stated difference; "
             "**unsupported**: an error unless `--allow-lossy`, which leaves the feature out with a warning.", ""]
    lines += ["| feature | " + " | ".join(t.name for t in targets) + " |",
              "| --- | " + " | ".join("---" for _ in targets) + " |"]
    for feature, text in FEATURES.items():
        cells = []
        for t in targets:
            row = t.fidelity.get(feature)
            cells.append(f"{row.support.value}: {row.note}" if row else "unsupported: not declared")
        lines.append(f"| `{feature}` ({text}) | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def audit_md() -> str:
    """The audit rule reference (from gwc/audit/rules.py)."""
    from gwc.audit.rules import IGNORE_RULES, RULES
    lines = ["# gwc audit: security rules", "",
             "Generated from `gwc/audit/rules.py` by `scripts/gen_docs.py`; do not edit by hand.", "",
             "`gwc audit SPEC... [--fail-on high|medium|low] [--ignore FILE] [--format text|json|...]` checks "
             "valid specs for security problems. An invalid spec gives its validation diagnostics (as "
             "`gwc validate`) and exit 1. The audit reads the spec as written (no `--env` overlay).", "",
             "Each finding is a diagnostic with the rule id as its code, the spec's file:line:column and the JSON "
             "pointer of the offending value, the value quoted in the message, and the fix as the hint. "
             "Severity is the diagnostic level: **high** = error, **medium** = warning, **low** = note "
             "(the text output lists notes too).", "",
             "Exit codes: 0 when no finding at or above `--fail-on` (default `high`) remains, 1 when one does "
             "(or a spec is invalid), 2 for a usage error (unknown severity or format, missing `--ignore` file).",
             "",
             "Words used below: a route is **protected** when it has `auth` after defaults are applied, and "
             "**restricted** when it has `auth` or an `ip.allow` list. Routes that only reach mock services "
             "are skipped where noted: nothing behind them can be read or changed.", "",
             "## Ignoring a finding", "",
             "Accepted exceptions go in an ignore file: `.gwc-audit-ignore.yaml` beside the spec (used when "
             "present), or the file given with `--ignore` (used for every spec). It is a YAML list of entries:",
             "", "```yaml",
             "- rule: GWA001                 # required: the rule id",
             "  pointer: /routes/3           # optional: only findings at this JSON pointer or below it",
             "  reason: \"payment webhook, verified by signature upstream (sec review 2026-04)\"   # required",
             "  expires: 2027-01-31          # optional: the entry works through this day, then stops",
             "```", "",
             "An entry without a reason, an expired entry and an entry naming an unknown rule suppress "
             "nothing and are findings themselves (below), located in the ignore file. Findings about the "
             "ignore file cannot be ignored. The text summary counts the findings that were ignored.", "",
             "## Rules", "", "| id | severity | title |", "| --- | --- | --- |"]
    lines += [f"| [{r.id}](#{r.id.lower()}) | {r.severity} | {r.title} |" for r in (*RULES, *IGNORE_RULES)]
    lines.append("")
    for r in (*RULES, *IGNORE_RULES):
        lines += [f"### {r.id}", "", f"**{r.title}** ({r.severity})", "",
                  f"- Detects: {r.detects}", f"- Why: {r.rationale}"]
        if r.incident:
            lines.append(f"- Incident class: {r.incident}")
        lines.append(f"- Fix: {r.fix}")
        if not r.id.startswith("GWA9"):
            lines.append(f"- Ignore: `- {{rule: {r.id}, pointer: <the pointer in the finding>, reason: \"...\"}}`")
        lines.append("")
    return "\n".join(lines)


GENERATED = {"docs/errors.md": errors_md, "docs/capabilities.md": capabilities_md, "docs/audit.md": audit_md}


def main() -> int:
    """Write the generated documents."""
    for rel, make in GENERATED.items():
        (ROOT / rel).write_text(make(), encoding="utf-8")
        print(f"wrote {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
