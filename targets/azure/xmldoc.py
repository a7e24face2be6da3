"""APIM policy documents: elements built with xml.etree.ElementTree (never by string concatenation), the
four sections, each starting with <base/> so the policies of the enclosing scopes apply, and a
deterministic serialisation (four-space indentation, attributes in the order given, final newline).

The serialiser writes exactly what `ElementTree.indent(root, "    ")` followed by `tostring(root)` writes,
escaping every attribute value and text the same way, without changing the elements. It is ours because
an API has many operations whose policies share fragments (a route's validate-jwt, its backend, the 405
answer): a `Renderer` serialises each top-level policy element once per emit and joins the texts."""

from __future__ import annotations

from xml.etree.ElementTree import Element

SECTIONS = ("inbound", "backend", "outbound", "on-error")
INDENT = "    "
_OPEN = {s: f"{INDENT}<{s}>\n{INDENT * 2}<base />\n" for s in SECTIONS}   # a section and its <base/>
_EMPTY = {s: f"{_OPEN[s]}{INDENT}</{s}>\n" for s in SECTIONS}


def el(tag: str, attrs: dict[str, str] | None = None, children: list[Element] | None = None,
       text: str | None = None) -> Element:
    """One element; attribute values and text are escaped by the serializer."""
    node = Element(tag, {k: v for k, v in attrs.items() if v is not None} if attrs else {})
    if children:
        node.extend(children)
    if text is not None:
        node.text = text
    return node


def choose(condition: str, then: list[Element], otherwise: list[Element] | None = None) -> Element:
    """<choose><when condition=...>...</when>[<otherwise>...</otherwise>]</choose>."""
    parts = [el("when", {"condition": condition}, then)]
    if otherwise is not None:
        parts.append(el("otherwise", {}, otherwise))
    return el("choose", {}, parts)


def status_response(code: int, reason: str, headers: list[tuple[str, str]] = (), body: str | None = None
                    ) -> Element:
    """<return-response> with a status, headers (values already escaped) and an optional body."""
    children = [el("set-status", {"code": str(code), "reason": reason})]
    for name, value in headers:
        children.append(el("set-header", {"name": name, "exists-action": "override"}, [el("value", text=value)]))
    if body is not None:
        children.append(el("set-body", text=body))
    return el("return-response", {}, children)


# ElementTree's replacements, in its order ("&" first); an attribute also gets the rest.
_TEXT = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_ATTRIBUTE = _TEXT + (('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;"))


def _escape(text: str, table: tuple[tuple[str, str], ...]) -> str:
    for char, entity in table:
        if char in text:
            text = text.replace(char, entity)
    return text


def escape_text(text: str) -> str:
    """Character data as ElementTree writes it."""
    return _escape(text, _TEXT)


def escape_attribute(text: str) -> str:
    """An attribute value as ElementTree writes it (white space other than a space as character references)."""
    return _escape(text, _ATTRIBUTE)


def _write(node: Element, level: int, out: list[str]) -> None:
    """Append the element at nesting `level` (its own line's indentation is the caller's)."""
    if node.tail is not None:
        raise ValueError("internal: policy elements carry no tail text")
    out.append("<" + node.tag)
    for key, value in node.items():
        out.append(f' {key}="{escape_attribute(value)}"')
    text = node.text
    if len(node):
        inner = "\n" + INDENT * (level + 1)
        out.append(">" + (escape_text(text) if text and text.strip() else inner))
        last = len(node) - 1
        for i, child in enumerate(node):
            _write(child, level + 1, out)
            out.append(inner if i < last else "\n" + INDENT * level)
        out.append(f"</{node.tag}>")
    elif text:
        out.append(f">{escape_text(text)}</{node.tag}>")
    else:
        out.append(" />")


def serialize(node: Element, level: int = 0) -> str:
    """The element as `indent()` and `tostring()` write it when it sits at nesting `level`."""
    out: list[str] = []
    _write(node, level, out)
    return "".join(out)


class Renderer:
    """Serialises policy documents for one emit, each top-level policy element once (by identity: an
    element shared by many operations' documents is written once and its text reused)."""

    def __init__(self) -> None:
        self._lines: dict[int, tuple[Element, str]] = {}   # id -> (the element, kept alive; its line)

    def line(self, node: Element) -> str:
        """A section child's lines, indentation and final newline included."""
        got = self._lines.get(id(node))
        if got is None:
            got = self._lines[id(node)] = (node, INDENT * 2 + serialize(node, 2) + "\n")
        return got[1]

    def lines(self, nodes: list[Element]) -> str:
        """The lines of a section's children."""
        if not nodes:
            return ""
        table = self._lines
        if len(nodes) == 1:
            got = table.get(id(nodes[0]))
            return got[1] if got is not None else self.line(nodes[0])
        return "".join([got[1] if (got := table.get(id(node))) is not None else self.line(node) for node in nodes])

    @staticmethod
    def document(inbound: str, forward: str | None, outbound: str, on_error: str = "") -> str:
        """A policy document from the lines of its sections' children (after each <base/>); `forward`
        holds the lines that replace the backend section's <base/>, or is None."""
        if forward is None:
            backend = _EMPTY["backend"]
        else:
            backend = f"{INDENT}<backend>\n{forward}{INDENT}</backend>\n" if forward else f"{INDENT}<backend />\n"
        return (f"<policies>\n{_OPEN['inbound']}{inbound}{INDENT}</inbound>\n{backend}{_OPEN['outbound']}{outbound}"
                f"{INDENT}</outbound>\n{_OPEN['on-error']}{on_error}{INDENT}</on-error>\n</policies>\n")

    def render(self, doc: PolicyDoc) -> str:
        """The policy XML text."""
        forward = None if doc.forward is None else self.lines(doc.forward)
        return self.document(self.lines(doc.sections["inbound"]), forward, self.lines(doc.sections["outbound"]),
                             self.lines(doc.sections["on-error"]))


class PolicyDoc:
    """The four sections of one policy. `forward` replaces the backend section's <base/> (the inherited
    <forward-request/>) when the operation forwards with its own timeout or retries: both would call the
    upstream."""

    def __init__(self) -> None:
        self.sections: dict[str, list[Element]] = {s: [] for s in SECTIONS}
        self.forward: list[Element] | None = None

    def add(self, section: str, *elements: Element) -> None:
        """Append policies to a section, after its <base/>."""
        self.sections[section].extend(elements)

    def element(self) -> Element:
        """The <policies> element."""
        root = el("policies")
        for name in SECTIONS:
            inherited = [] if name == "backend" and self.forward is not None else [el("base")]
            body = self.forward if name == "backend" and self.forward is not None else self.sections[name]
            root.append(el(name, {}, inherited + body))
        return root

    def render(self, renderer: Renderer | None = None) -> str:
        """The policy XML text."""
        return (renderer or Renderer()).render(self)
