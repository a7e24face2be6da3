"""APIM policy documents built with xml.etree.ElementTree (never by string concatenation): the four
sections, each starting with <base/> so the policies of the enclosing scopes apply, and a deterministic
serialisation (four-space indentation, attributes in the order given, final newline)."""

from __future__ import annotations

from xml.etree.ElementTree import Element, indent, tostring

SECTIONS = ("inbound", "backend", "outbound", "on-error")


def el(tag: str, attrs: dict[str, str] | None = None, children: list[Element] | None = None,
       text: str | None = None) -> Element:
    """One element; attribute values and text are escaped by the serializer."""
    node = Element(tag, {k: v for k, v in (attrs or {}).items() if v is not None})
    for child in children or []:
        node.append(child)
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

    def render(self) -> str:
        """The policy XML text."""
        return render(self.element())


def render(root: Element) -> str:
    """Serialise deterministically."""
    indent(root, space="    ")
    return tostring(root, encoding="unicode") + "\n"
