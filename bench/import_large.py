"""A large real input: GitHub's REST API description (1,223 operations, tests/data/openapi) imported with
`gwc import openapi` and compiled to every target, against the floor of reading that document with PyYAML's
C loader."""

from __future__ import annotations

import lzma
import tempfile
from pathlib import Path

from bench import commands
from bench.measure import Row, alternate, timed_command

SOURCE = Path(__file__).resolve().parent.parent / "tests" / "data" / "openapi" / "github-3.0.json.xz"


def run(quick: bool) -> list[Row]:
    """Rows of the "import" section."""
    with tempfile.TemporaryDirectory(prefix="gwc-bench-") as tmp:
        doc = Path(tmp) / "github.json"
        doc.write_bytes(lzma.decompress(SOURCE.read_bytes()))
        spec = Path(tmp) / "spec.yaml"
        imp = timed_command(commands.gwc("import", "openapi", doc, "-o", spec))
        comp = timed_command(commands.gwc("compile", spec, "--target", "all", "--allow-lossy", "-o",
                                          Path(tmp) / "out"))
        pairs = 2 if quick else 5
        floor = timed_command(commands.floor(doc))
        both = alternate(floor, lambda: imp() + comp(), pairs)
    return [Row("import", "`gwc import openapi` + `gwc compile --target all`, GitHub's description "
                "(1,223 operations) / floor", both, "report", True,
                f"floor (C loader on the 13 MB document) {both.a_median:.2f} s, gwc {both.b_median:.2f} s")]
