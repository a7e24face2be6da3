"""Start-up: `gwc validate` of a 20-route spec against `python -c "import yaml, jsonschema"`."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench import commands, specgen
from bench.measure import Row, alternate, meets, timed_command


def run(quick: bool) -> list[Row]:
    """Rows of the "start-up" section."""
    with tempfile.TemporaryDirectory(prefix="gwc-bench-") as tmp:
        spec = specgen.write(Path(tmp), 20)
        ratio = alternate(timed_command(commands.imports_only()), timed_command(commands.gwc("validate", spec)),
                          5 if quick else 15, warmup=2)
    return [Row("start-up", "`gwc validate`, 20 routes / `python -c \"import yaml, jsonschema\"`", ratio,
                "<= 1.5", meets(ratio.median, "<= 1.5"),
                f"imports {ratio.a_median * 1000:.0f} ms, gwc {ratio.b_median * 1000:.0f} ms")]
