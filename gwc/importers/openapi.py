"""Import an OpenAPI 2.0 or 3.x document as a gwc spec (`gwc import openapi`, docs/import.md).

Pure functions: `load_openapi` turns text into data (bounded, safe YAML or JSON), `import_openapi` turns
that data into a gwc spec dict plus a list of `Note`s for what could not be mapped, and `render_spec`
writes the spec as YAML with a header comment.

Decisions (documented in docs/import.md):
- Routes keep the document's paths as the public paths. The upstream's own base path (a 3.x server URL's
  path, a 2.0 `basePath`, an integration URI's path) goes into each route's `rewrite`, because a gwc
  service URL is scheme://host[:port] only.
- Authentication is never weakened: an operation whose security requirements cannot be mapped is left
  out (with a note), never imported as open. Alternatives (a list of requirement objects) become
  `auth: [a, b]`; an unmappable alternative is dropped (stricter). A requirement naming several schemes
  (AND) cannot be expressed: the strictest single mappable method is kept, with a note.
- Values that are not in the document are not invented: API keys and JWT signing keys become secret
  references by environment variable (placeholders), each with a note.
"""

from __future__ import annotations

import re

import yaml

from .openapi_common import (
    _PATH,
    _VERSION,
    METHODS,
    ImportError_,
    Note,
    _esc,
    load_openapi,  # noqa: F401 - the public names, re-exported
)
from .openapi_security import SecurityMixin
from .openapi_upstream import UpstreamMixin


class _Importer(SecurityMixin, UpstreamMixin):
    def __init__(self, doc: dict, name: str | None) -> None:
        self.doc = doc
        self.name = name
        self.notes: list[Note] = []
        self.v2 = "swagger" in doc
        self.services: dict[str, dict] = {}
        self.service_of: dict[str, str] = {}  # origin -> service name
        self.auth: dict[str, dict] = {}
        self.scheme_method: dict[str, str | None] = {}
        self.hints: list[str] = []

    def note(self, pointer: str, message: str) -> None:
        n = Note(pointer, message)
        if n not in self.notes:
            self.notes.append(n)

    # -- $ref ---------------------------------------------------------------------------------------
    def deref(self, value: object, pointer: str) -> tuple[object, str]:
        """Follow local $refs (a chain, bounded; a cycle or an external/missing ref gives None + a note)."""
        seen: set[str] = set()
        while isinstance(value, dict) and isinstance(value.get("$ref"), str):
            ref = value["$ref"]
            if not ref.startswith("#"):
                self.note(pointer, f"external $ref {ref!r} not resolved (only local '#/...' references are)")
                return None, pointer
            if ref in seen:
                self.note(pointer, f"$ref {ref!r} is a cycle; left out")
                return None, pointer
            seen.add(ref)
            target: object = self.doc
            for raw in ref[1:].split("/")[1:] if ref != "#" else []:
                token = raw.replace("~1", "/").replace("~0", "~")
                if isinstance(target, dict) and token in target:
                    target = target[token]
                elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
                    target = target[int(token)]
                else:
                    self.note(pointer, f"$ref {ref!r} points at nothing; left out")
                    return None, pointer
            value, pointer = target, ref[1:]
        return value, pointer

    def _external_refs(self) -> None:
        stack: list[tuple[object, str]] = [(self.doc, "")]
        seen: set[int] = set()
        while stack:
            node, ptr = stack.pop()
            if isinstance(node, (dict, list)):
                if id(node) in seen:
                    continue
                seen.add(id(node))
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and not ref.startswith("#"):
                    self.note(ptr, f"external $ref {ref!r} not resolved (only local '#/...' references are)")
                stack.extend((v, f"{ptr}/{_esc(k)}") for k, v in node.items())
            elif isinstance(node, list):
                stack.extend((v, f"{ptr}/{i}") for i, v in enumerate(node))

    # -- services -----------------------------------------------------------------------------------

    def gwc_path(self, path: str, pointer: str) -> tuple[str, dict[str, str]] | None:
        renames: dict[str, str] = {}
        segments = path.split("/")[1:] if path.startswith("/") else None
        if segments is None:
            self.note(pointer, f"path {path!r} does not start with '/'; left out")
            return None
        out = []
        for seg in segments:
            params = re.findall(r"\{([^{}]*)\}", seg)
            if params and not re.fullmatch(r"\{[^{}]*\}", seg):
                self.note(pointer, f"path {path!r}: parameter in {seg!r} is not a whole segment; left out")
                return None
            if params:
                new = re.sub(r"[^a-z0-9_]+", "_", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", params[0]).lower())
                new = (new if new[:1].isalpha() or new[:1] == "_" else f"p_{new}")[:31] or "p"
                if new in renames.values():
                    self.note(pointer, f"path {path!r}: parameter names collide; left out")
                    return None
                renames[params[0]] = new
                out.append(f"{{{new}}}")
            else:
                out.append(seg)
        result = "/" + "/".join(out)
        bad = (not _PATH.match(result) or len(result) > 1024 or (result != "/" and result.endswith("/"))
               or any(s in ("", ".", "..") for s in result.split("/")[1:]) and result != "/")
        if bad:
            self.note(pointer, f"path {path!r} is not a gwc path (characters, empty or dot segments, or a "
                               "trailing '/'); left out")
            return None
        if result == "/_gwc" or result.startswith("/_gwc/"):
            self.note(pointer, f"path {path!r} is reserved by the gateway (/_gwc/); left out")
            return None
        return result, renames

    def run(self) -> dict:
        doc = self.doc
        version = str(doc.get("swagger") or doc.get("openapi") or "")
        if not (version == "2.0" or re.match(r"^3\.\d+(\.\d+)?", version)):
            raise ImportError_(f"not an OpenAPI 2.0 or 3.x document (swagger/openapi version {version!r})")
        if not isinstance(doc.get("paths"), dict):
            raise ImportError_("the document has no paths", "/paths")
        self._external_refs()
        info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
        title = " ".join(str(info.get("title") or "").split())[:500]
        slug = self.name or re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", title.lower())).strip("-")
        if not re.match(r"^[a-z][a-z0-9-]{0,62}$", slug[:63].rstrip("-")):
            slug = "api" if not slug else f"api-{slug}"
        slug = slug[:63].rstrip("-")
        spec: dict = {"gwc": 1, "name": slug}
        if title and re.match(r"^[^\x00-\x1f\x7f]{1,500}$", title):
            spec["title"] = title
        desc = next((ln.strip() for ln in str(info.get("description") or "").splitlines() if ln.strip()), "")
        if desc and re.match(r"^[^\x00-\x1f\x7f]{1,500}$", desc[:500]):
            spec["description"] = desc[:500]
        ver = info.get("version")
        if ver is not None:
            if _VERSION.match(str(ver)):
                spec["version"] = str(ver)
            else:
                self.note("/info/version", f"version {str(ver)[:80]!r} is not a gwc version; not mapped")
        default_origin, default_base = self.default_upstream()
        root_security = doc.get("security")
        routes: dict[tuple, dict] = {}
        shapes: dict[str, list[tuple[set, str]]] = {}
        for path, item in doc["paths"].items():
            ppath = f"/paths/{_esc(path)}"
            if str(path).startswith("x-"):
                continue
            item, _ = self.deref(item, ppath)
            if not isinstance(item, dict):
                continue
            converted = self.gwc_path(str(path), ppath)
            if converted is None:
                continue
            route_path, renames = converted
            shape = re.sub(r"\{[^}]*\}", "{}", route_path)
            path_upstream = None if self.v2 else self.servers(item.get("servers"), f"{ppath}/servers")
            for key in item:
                if key in ("parameters", "servers", "summary", "description", "$ref") or str(key).startswith("x-"):
                    continue
                opointer = f"{ppath}/{_esc(key)}"
                if key not in METHODS:
                    self.note(opointer, f"method {str(key).upper()} is not supported by gwc; left out")
                    continue
                op, _ = self.deref(item[key], opointer)
                if not isinstance(op, dict):
                    continue
                upstream = self.integration(op, opointer, route_path, renames)
                if upstream is None:
                    origin, base = (self.servers(op.get("servers"), f"{opointer}/servers") if not self.v2 else None) \
                        or path_upstream or (default_origin, default_base)
                    if self.v2 and isinstance(op.get("schemes"), list):
                        self.note(f"{opointer}/schemes", "per-operation schemes are not mapped")
                    upstream = (origin, (base + route_path) if base else route_path)
                origin, upstream_path = upstream
                if not _PATH.match(upstream_path) or len(upstream_path) > 1024:
                    self.note(opointer, f"upstream path {upstream_path!r} is not a gwc path; left out")
                    continue
                requirements = op.get("security", root_security)
                where = f"{opointer}/security" if "security" in op else "/security"
                ok, methods = self.security(requirements, where)
                if not ok:
                    self.note(opointer, f"{key.upper()} {path}: requires authentication that gwc cannot map; "
                                        "the operation is left out (never imported as open)")
                    continue
                method = key.upper()
                taken = shapes.setdefault(shape, [])
                if any(method in ms and p != route_path for ms, p in taken):
                    self.note(opointer, f"{method} {path} matches the same requests as another path; left out")
                    continue
                service = self.service_for(origin)
                group = (route_path, service, upstream_path, tuple(methods))
                route = routes.setdefault(group, {"path": route_path, "methods": [], "service": service})
                if upstream_path != route_path:
                    route["rewrite"] = upstream_path
                if methods:
                    route["auth"] = methods[0] if len(methods) == 1 else methods
                route["methods"].append(method)
                found = next((t for t in taken if t[1] == route_path), None)
                if found:
                    found[0].add(method)
                else:
                    taken.append(({method}, route_path))
        if not routes:
            raise ImportError_("no operation could be imported, so there is no route", "/paths")
        spec["services"] = self.services
        if self.auth:
            spec["auth"] = self.auth
        out = []
        for route in routes.values():
            order = {m: i for i, m in enumerate(x.upper() for x in METHODS)}
            route["methods"] = sorted(route["methods"], key=order.get)
            out.append({k: route[k] for k in ("path", "methods", "service", "rewrite", "auth") if k in route})
        spec["routes"] = out
        return spec


def import_openapi(doc: object, name: str | None = None) -> tuple[dict, list[Note], list[str]]:
    """A gwc spec from an OpenAPI 2.0/3.x document: (spec, notes on what was not mapped, hint lines for
    the header comment). Raises ImportError_ when nothing can be imported."""
    if not isinstance(doc, dict):
        raise ImportError_("the document is not a mapping")
    imp = _Importer(doc, name)
    spec = imp.run()
    return spec, imp.notes, imp.hints


def render_spec(spec: dict, source: str, notes: list[Note], hints: list[str]) -> str:
    """The spec as YAML, with a header comment naming the source and what was not mapped."""
    clean = lambda s: re.sub(r"[\x00-\x1f\x7f]", " ", s)  # a comment stays one line
    head = ["# yaml-language-server: $schema=https://gwc.dev/schemas/gateway.schema.json",
            f"# Imported by `gwc import openapi` from {clean(source)}.",
            "# Review before use: placeholders (env references, upstream.invalid) must be replaced."]
    if notes:
        head.append(f"# Not mapped ({len(notes)}):")
        head += [f"#   - {clean(n.message)}" + (f" (at {clean(n.pointer)})" if n.pointer else "") for n in notes]
    head += [f"# {clean(h)}" for h in hints]
    return "\n".join(head) + "\n" + yaml.safe_dump(spec, sort_keys=False, allow_unicode=False, width=1000)
