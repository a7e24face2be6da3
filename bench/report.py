"""The results table in docs/performance.md: written between two markers, so the prose around it (what was
slow, what changed, before/after) stays as reviewed."""

from __future__ import annotations

import datetime
import os
import platform
import re
import shutil
import subprocess
from pathlib import Path

from bench.measure import Row

START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"


def _version(argv: list[str]) -> str:
    if not shutil.which(argv[0]):
        return "not installed"
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    text = (done.stdout + done.stderr).strip().splitlines()
    return text[0] if text else "?"


def machine() -> str:
    """One line about where the run happened."""
    cpu = "?"
    if Path("/proc/cpuinfo").is_file():
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
        cpu = found.group(1) if found else cpu
    return (f"{cpu}, {os.cpu_count()} cores; {platform.platform()}; Python {platform.python_version()}; "
            f"{_version(['nginx', '-v'])}; {_version(['wrk', '-v'])}")


def table(rows: list[Row], command: str) -> str:
    """The markdown block (markers included)."""
    lines = [START, "", f"Run `{command}` on {datetime.date.today().isoformat()}.", "",
             f"Machine: {machine()}.", "",
             "| section | comparison | ratio: median (min-max) | pairs | goal | met | absolute medians, notes |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        met = "yes" if r.met else "**no**"
        if r.goal in ("-", "report"):
            met = "-"
        lines.append(f"| {r.section} | {r.name} | {r.ratio.cell()} | {r.ratio.pairs} | {r.goal} | {met} | {r.note} |")
    return "\n".join(lines + ["", END])


def write(doc: Path, rows: list[Row], command: str) -> None:
    """Replace the block between the markers (or append one)."""
    text = doc.read_text(encoding="utf-8") if doc.is_file() else "# Performance\n\n"
    block = table(rows, command)
    if START in text and END in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")
