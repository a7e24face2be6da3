"""Machine formats for diagnostics: GitHub workflow annotations and SARIF 2.1.0 (for code scanning)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from gwc import __version__
from gwc.codes import CODES
from gwc.diagnostics import Diagnostic, Level

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
HELP = "https://github.com/gwc-dev/gwc/blob/main/docs/errors.md"
_GITHUB_LEVEL = {Level.ERROR: "error", Level.WARNING: "warning", Level.NOTE: "notice"}
_SARIF_LEVEL = {Level.ERROR: "error", Level.WARNING: "warning", Level.NOTE: "note"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _relative(path: str) -> str:
    """The path as GitHub and SARIF want it: relative to the working directory when inside it, '/'-separated."""
    if not path:
        return ""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def github(diags: list[Diagnostic]) -> str:
    """One `::error file=...,line=...,col=...,title=CODE::message` workflow command per diagnostic."""
    lines = []
    for d in diags:
        props = []
        if d.file:
            props.append(f"file={_escape_property(_relative(d.file))}")
        if d.line:
            props += [f"line={d.line}", f"col={d.column}"]
        props.append(f"title={_escape_property(d.code + (' [' + d.target + ']' if d.target else ''))}")
        text = d.message + (f" (at {d.pointer})" if d.pointer else "") + (f" -- {d.hint}" if d.hint else "")
        lines.append(f"::{_GITHUB_LEVEL[d.level]} {','.join(props)}::{_escape_data(text)}")
    return "\n".join(lines) + ("\n" if lines else "")


def _rule(code: str, extra_rules: dict[str, str]) -> dict:
    text = extra_rules.get(code) or CODES.get(code, ("", code))[1]
    return {"id": code, "shortDescription": {"text": text}, "helpUri": f"{HELP}#{code.lower()}"}


def sarif(diags: list[Diagnostic], extra_rules: dict[str, str] | None = None) -> str:
    """A SARIF 2.1.0 log with one run of gwc: a rule per code used, a result per diagnostic."""
    extra_rules = extra_rules or {}
    codes = sorted({d.code for d in diags})
    index = {code: i for i, code in enumerate(codes)}
    results = []
    for d in diags:
        result = {"ruleId": d.code, "ruleIndex": index[d.code], "level": _SARIF_LEVEL[d.level],
                  "message": {"text": d.message + (f" Hint: {d.hint}" if d.hint else "")}}
        if d.file:
            physical: dict = {"artifactLocation": {"uri": _relative(d.file)}}
            if d.line:
                physical["region"] = {"startLine": d.line, "startColumn": max(d.column, 1)}
            result["locations"] = [{"physicalLocation": physical}]
        properties = {k: v for k, v in (("pointer", d.pointer), ("target", d.target)) if v}
        if properties:
            result["properties"] = properties
        results.append(result)
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "gwc", "version": __version__, "informationUri": HELP.rsplit("/blob", 1)[0],
                            "rules": [_rule(code, extra_rules) for code in codes]}},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(os.getcwd()).as_uri() + "/"}},
        "results": results}]}
    return json.dumps(log, indent=2, sort_keys=True) + "\n"
