"""`include:`: services, auth, defaults, routes and hosts kept in other files, merged into one spec.

A pure merge over loaded Documents (files are read only through gwc.load.load_file). The order is fixed:
each file's own content first, then the files it includes in the order listed, depth first; so the
including file's routes come first, then each include's routes. Route precedence does not depend on that
order except between routes of equal precedence (GWC204 warns about those). Mappings (services, auth,
defaults) merge key by key and a key defined in two files is an error naming both places (GWC243); a file
reached twice (two team files that both include shared.yaml) is merged once. Every merged value keeps its
own file, line and column (Document.files), so a problem is reported in the file that holds it.
"""

from __future__ import annotations

import os

from gwc.diagnostics import Diagnostic, has_errors
from gwc.load import Document, escape_pointer_token, load_file
from gwc.schema import check_schema

INCLUDABLE = ("include", "hosts", "services", "auth", "defaults", "routes")
MAPS = {"services": "service", "auth": "auth method", "defaults": "default"}
LISTS = ("routes", "hosts")
MAX_DEPTH = 8
MAX_FILES = 64


def _top(pointer: str) -> tuple[str, str, str]:
    """('services', 'users', '/url') for '/services/users/url'; empty parts when absent."""
    parts = pointer.split("/", 3)
    return (parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else "",
            "/" + parts[3] if len(parts) > 3 else "")


class _Merge:
    def __init__(self, root: Document) -> None:
        data = {k: v for k, v in root.data.items() if k != "include"}
        for k in MAPS:
            if isinstance(data.get(k), dict):
                data[k] = dict(data[k])
        for k in LISTS:
            if isinstance(data.get(k), list):
                data[k] = list(data[k])
        keep = {p: m for p, m in root.marks.items() if p != "/include" and not p.startswith("/include/")}
        keys = {p: m for p, m in root.key_marks.items() if p != "/include" and not p.startswith("/include/")}
        self.doc = Document(root.path, data, keep, keys, dict(root.files))
        self.diags: list[Diagnostic] = []
        self.seen = {os.path.realpath(root.path)}

    def visit(self, doc: Document, chain: list[tuple[str, str]]) -> None:
        """Merge the files `doc` includes (each before the files it includes itself)."""
        for i, rel in enumerate(doc.data.get("include", ())):
            at = f"/include/{i}"
            path = os.path.normpath(os.path.join(os.path.dirname(doc.path), rel))
            ident = os.path.realpath(path)
            if ident in [c[0] for c in chain]:
                names = " -> ".join([c[1] for c in chain[[c[0] for c in chain].index(ident):]] + [path])
                self.diags.append(doc.diag("GWC241", f"include cycle: {names}", at,
                                           "remove one of the includes; shared content belongs in a file that "
                                           "includes nothing back"))
                continue
            if ident in self.seen:
                continue  # reached through another include already: merged once
            if len(chain) > MAX_DEPTH:
                self.diags.append(doc.diag("GWC242", f"includes nest deeper than {MAX_DEPTH} files "
                                           f"({' -> '.join(c[1] for c in chain)} -> {path})", at,
                                           "include the files from fewer levels"))
                continue
            if len(self.seen) > MAX_FILES:
                self.diags.append(doc.diag("GWC242", f"a spec may include at most {MAX_FILES} files", at,
                                           "merge some of the included files"))
                continue
            self.seen.add(ident)
            sub, diags = load_file(path)
            if sub is None and [d.code for d in diags] == ["GWC001"]:
                reason = diags[0].message.split(": ", 1)[-1]
                self.diags.append(doc.diag("GWC240", f"cannot read the included file {rel!r} ({path}): {reason}",
                                           at, "the path is relative to the file that includes it"))
                continue
            if sub is None or has_errors(diags):
                self.diags += diags  # located in the included file itself
                continue
            if not isinstance(sub.data, dict):
                src, m = doc.locate(at)
                self.diags.append(sub.diag("GWC245", f"an included file must be a mapping of "
                                           f"{', '.join(INCLUDABLE)}, not a {type(sub.data).__name__}", "",
                                           f"it is included from {src}:{m.line}:{m.column}"))
                continue
            problems = check_schema(sub, INCLUDABLE)
            if problems:
                self.diags += problems
                continue
            self.merge(sub)
            self.visit(sub, chain + [(ident, path)])

    def merge(self, sub: Document) -> None:
        """Add one included file's content, keeping its marks under the merged pointers."""
        data, moved = self.doc.data, {}
        for section, what in MAPS.items():
            if section not in sub.data:
                continue
            target = data.setdefault(section, {})
            moved[(section, "")] = f"/{section}"
            for key, value in sub.data[section].items():
                ptr = f"/{section}/{escape_pointer_token(key)}"
                if key in target:
                    self.diags.append(sub.diag(
                        "GWC243", f"{what} {key!r} is defined twice: here and at {self._where(ptr)}", ptr,
                        f"keep one definition of {section}.{key}; included files are merged, never overridden",
                        key=True))
                    continue
                target[key] = value
                moved[(section, escape_pointer_token(key))] = ptr
        for section in LISTS:
            if section not in sub.data:
                continue
            target = data.setdefault(section, [])
            moved[(section, "")] = f"/{section}"
            for i, value in enumerate(sub.data[section]):
                moved[(section, str(i))] = f"/{section}/{len(target)}"
                target.append(value)
        for source, table in ((sub.marks, self.doc.marks), (sub.key_marks, self.doc.key_marks)):
            for pointer, mark in source.items():
                section, token, rest = _top(pointer)
                dest = moved.get((section, token))
                if dest is None:
                    continue
                if not token and dest in table:
                    continue  # the section itself is marked where it first appeared
                table[dest + rest] = mark
                self.doc.files[dest + rest] = sub.files.get(pointer, sub.path)

    def _where(self, pointer: str) -> str:
        path, m = self.doc.locate(pointer, key=True)
        return f"{path}:{m.line}:{m.column}"


def resolve_includes(doc: Document) -> tuple[Document, list[Diagnostic]]:
    """The document with its includes merged in (transitively), and the problems found doing so. Without
    an `include` key the document comes back as it is."""
    if not isinstance(doc.data, dict) or "include" not in doc.data:
        return doc, []
    # The including file's own fields first (all but the ones an include may provide being required).
    problems = [d for d in check_schema(doc) if not (d.code == "GWC102" and d.pointer == "")]
    if has_errors(problems):
        return doc, problems
    merge = _Merge(doc)
    merge.visit(doc, [(os.path.realpath(doc.path), doc.path)])
    return merge.doc, merge.diags
