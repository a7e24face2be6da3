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
          "registry": "Targets and plug-ins"}


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


GENERATED = {"docs/errors.md": errors_md, "docs/capabilities.md": capabilities_md}


def main() -> int:
    """Write the generated documents."""
    for rel, make in GENERATED.items():
        (ROOT / rel).write_text(make(), encoding="utf-8")
        print(f"wrote {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
