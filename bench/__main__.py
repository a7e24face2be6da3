"""`python -m bench [--quick] [--only SECTION ...] [--doc PATH]`: run the benchmarks and write the table into
docs/performance.md. The full run takes about 15 minutes; --quick under a minute (fewer sizes and pairs)."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from bench.report import table, write

SECTIONS = {"start-up": "bench.startup", "compile": "bench.compile_cost", "import": "bench.import_large",
            "nginx": "bench.nginx_throughput"}
DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer sizes and pairs (under a minute)")
    parser.add_argument("--only", nargs="*", choices=sorted(SECTIONS), help="run only these sections")
    parser.add_argument("--doc", type=Path, default=DOC, help="the markdown file to write the table into")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    rows = []
    for name in args.only or SECTIONS:
        if args.quick and name == "import":
            continue  # reading a 13 MB document five times does not fit in a quick run
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        rows += importlib.import_module(SECTIONS[name]).run(args.quick)
    command = "python -m bench" + (" --quick" if args.quick else "") + \
        (f" --only {' '.join(args.only)}" if args.only else "")
    print(table(rows, command))
    if not args.no_write:
        write(args.doc, rows, command)
    return 0 if all(r.met for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
