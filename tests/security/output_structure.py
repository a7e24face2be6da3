"""The structure of every target's output, compared between a compile with a harmless value and one with a
hostile value in the same spec field. Values may differ; the structure may not:

- nginx.conf: the directive tree (names, argument counts, nesting; names inside map/geo/split_clients/types
  blocks are data), and each argument that differs refers to as many nginx variables as the harmless one
  (a literal '$' is written through `${gwc_dollar}`, which does not count);
- JSON, YAML (OpenAPI, CloudFormation, ARM, deploy plans, Kubernetes documents) and nginx's generated
  JavaScript module (`export default {...};`): the tree of keys, with keys derived from the value (a path key
  holding the route path, an operation id holding the route name) paired with the harmless run's by the shape
  of what is under them;
- XML (APIM policies): the element tree with attribute names; no DOCTYPE or entity declaration;
- and, where a string value differs, the languages that read it: APIM policy expressions (a value starting with
  `@(` or `@{` is C#: it must be gwc's own expression with only the string literals changed, or a constant
  expression of string literals), APIM named values (`{{name}}`), ARM template expressions (`[...]`), AWS
  mapping templates (VTL: the text outside `#[[...]]#` blocks), AWS static parameter values (`'...'`),
  CloudFormation `Fn::Sub` (`${...}`), Envoy command operators in Istio header values (`%NAME%`) and Google's
  comma-separated `x-google-audiences`.

`problems(ref_files, case_files)` returns a list of human-readable differences (empty: same structure).
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from xml.etree import ElementTree

import yaml

from tests.security.nginx_syntax import Node, parse

# --- nginx ------------------------------------------------------------------------------------------------

DATA_BLOCKS = {"map", "geo", "split_clients", "types", "match"}
_NGINX_VAR = re.compile(r"\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))")


def nginx_variables(arg: str) -> list[str]:
    """The variables an nginx argument refers to, without gwc's `$gwc_dollar` (a literal '$')."""
    out = []
    for m in _NGINX_VAR.finditer(arg):
        name = m.group(1) or m.group(2)
        if name != "gwc_dollar":
            out.append(name)
    return out


def _without_dollar_geo(nodes: list[Node]) -> list[Node]:
    """The tree without the `geo $gwc_dollar` block gwc adds whenever a value holds a literal '$'."""
    out = []
    for n in nodes:
        if n.name == "geo" and n.args == ["$gwc_dollar"]:
            continue
        if n.children is not None:
            n = Node(n.name, n.args, _without_dollar_geo(n.children), n.line)
        out.append(n)
    return out


def _same_variable(a: str, b: str) -> bool:
    """Two variable names at one place: equal, or both derived from a value of the same kind ($http_NAME,
    $arg_NAME, gwc's own $gwc_...)."""
    return a == b or a.split("_", 1)[0] == b.split("_", 1)[0]


def nginx_problems(ref_text: str, case_text: str, where: str = "nginx.conf") -> list[str]:
    try:
        ref = _without_dollar_geo(parse(ref_text))
    except ValueError as e:  # pragma: no cover - the reference is gwc's own output
        return [f"{where}: the reference does not parse: {e}"]
    try:
        case = _without_dollar_geo(parse(case_text))
    except ValueError as e:
        return [f"{where}: does not parse: {e}"]
    out: list[str] = []
    _nginx_walk(ref, case, "", where, out)
    return out


def _nginx_walk(ref: list[Node], case: list[Node], parent: str, where: str, out: list[str]) -> None:
    if len(ref) != len(case):
        extra = [f"{n.name} {' '.join(n.args)}"[:80] for n in case if n.name not in {r.name for r in ref}]
        out.append(f"{where}: {len(case)} directives in '{parent or 'main'}' instead of {len(ref)} {extra[:3]}")
        return
    for a, b in zip(ref, case):
        here = f"{where}:{b.line}"
        if a.name != b.name and parent not in DATA_BLOCKS:
            out.append(f"{here}: directive '{b.name}' where the harmless value gives '{a.name}'")
            continue
        if len(a.args) != len(b.args):
            out.append(f"{here}: '{b.name}' has {len(b.args)} arguments instead of {len(a.args)}: {b.args!r}"[:300])
            continue
        for x, y in zip([a.name, *a.args], [b.name, *b.args]):
            if x != y:
                vx, vy = nginx_variables(x), nginx_variables(y)
                if len(vx) != len(vy) or not all(_same_variable(p, q) for p, q in zip(vx, vy)):
                    out.append(f"{here}: '{b.name}' argument refers to variables {vy} instead of {vx}: {y!r}"[:300])
        if (a.children is None) != (b.children is None):
            out.append(f"{here}: '{b.name}' is a block in one output and not the other")
        elif a.children is not None:
            _nginx_walk(a.children, b.children, a.name, where, out)


# --- strings in other languages ---------------------------------------------------------------------------

_CS_LITERAL = re.compile(r'@"(?:[^"]|"")*"|"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', re.DOTALL)


def cs_skeleton(expression: str) -> str:
    """A C# expression with the contents of its string and char literals masked, and its integer literals
    (a scheme's length, a key's size: numbers gwc derives from a value)."""
    return re.sub(r"\b\d+\b", "0", _CS_LITERAL.sub('"S"', expression))


def is_apim_expression(value: str) -> bool:
    """APIM evaluates a policy value that starts with @( or @{ (leading blanks included, to be safe)."""
    return value.lstrip().startswith(("@(", "@{"))


def apim_value_problems(ref: str, case: str, where: str) -> list[str]:
    """A differing policy value is a literal, gwc's own expression with other literals, or a constant
    expression built from string literals; it carries as many named-value references as the harmless one."""
    out = []
    if case.count("{{") != ref.count("{{") or case.count("}}") != ref.count("}}"):
        out.append(f"{where}: named-value braces {{{{ }}}} in {case[:120]!r}")
    if is_apim_expression(case):
        skel = cs_skeleton(case.lstrip())
        if is_apim_expression(ref):
            if skel != cs_skeleton(ref.lstrip()):
                out.append(f"{where}: the expression's code changed: {case[:200]!r}")
        elif not re.fullmatch(r'@\(\s*"S"(\s*\+\s*"S")*\s*\)', skel):
            out.append(f"{where}: a value APIM evaluates as C#: {case[:200]!r}")
    return out


_ARM_LITERAL = re.compile(r"'(?:[^']|'')*'")


def is_arm_expression(value: str) -> bool:
    return value.startswith("[") and not value.startswith("[[") and value.endswith("]")


def arm_problems(ref: str, case: str, where: str) -> list[str]:
    """ARM evaluates a string "[...]" (not "[[..."): an expression must keep its code, a literal stay one."""
    if is_arm_expression(case) or is_arm_expression(ref):
        if not (is_arm_expression(case) and is_arm_expression(ref)):
            return [f"{where}: ARM expression {case[:160]!r} where the harmless value gives {ref[:80]!r}"]
        if _ARM_LITERAL.sub("'S'", case) != _ARM_LITERAL.sub("'S'", ref):
            return [f"{where}: the ARM expression's code changed: {case[:200]!r}"]
    return []


_VTL_BLOCK = re.compile(r"#\[\[.*?\]\]#", re.DOTALL)
_VTL_READS = re.compile(r"[$#\\]")


def vtl_problems(ref: str, case: str, where: str) -> list[str]:
    """AWS mapping templates are Velocity: outside the unparsed `#[[...]]#` blocks, what the hostile run
    adds must hold none of the characters Velocity reads ($ for references, # for directives, \\ escapes)."""
    a, b = _VTL_BLOCK.sub("", ref), _VTL_BLOCK.sub("", case)
    if a == b:
        return []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op != "equal" and _VTL_READS.search(b[j1:j2]):
            return [f"{where}: Velocity reads {b[j1:j2][:120]!r} outside an unparsed block"]
    return []


def static_parameter_problems(ref: str, case: str, where: str) -> list[str]:
    """A REST static mapping value is '...' with no quote inside; an HTTP API mapping value is read as an
    expression where it holds '$' ($request..., $context..., $stageVariables...)."""
    if ref.startswith("'") and not re.fullmatch(r"'[^']*'", case):
        return [f"{where}: static value {case[:120]!r} is not one quoted literal"]
    if not ref.startswith("'") and case.count("$") != ref.count("$"):
        return [f"{where}: mapping value {case[:120]!r} holds an expression"]
    return []


_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:")


def cloudformation_problems(ref: str, case: str, where: str) -> list[str]:
    """CloudFormation replaces `{{resolve:ssm:...}}`, `{{resolve:ssm-secure:...}}` and
    `{{resolve:secretsmanager:...}}` in resource properties with the parameter's or secret's value when it
    deploys the stack; there is no escape for it."""
    if len(_DYNAMIC_REFERENCE.findall(case)) != len(_DYNAMIC_REFERENCE.findall(ref)):
        return [f"{where}: CloudFormation resolves the dynamic reference in {case[:160]!r}"]
    return []


def sub_problems(ref: str, case: str, where: str) -> list[str]:
    """CloudFormation Fn::Sub replaces ${...}: the references must stay those of the harmless run."""
    refs = lambda s: re.findall(r"\$\{(?!!)[^}]*\}", s)
    if refs(ref) != refs(case):
        return [f"{where}: Fn::Sub references {refs(case)} instead of {refs(ref)}"]
    return []


def envoy_problems(ref: str, case: str, where: str) -> list[str]:
    """Envoy reads %NAME% in header values; a literal % is written %%."""
    ops = lambda s: re.findall(r"%[^%]*%?", s.replace("%%", ""))
    if len(ops(ref)) != len(ops(case)):
        return [f"{where}: Envoy command operator in header value {case[:120]!r}"]
    return []


def string_problems(ctx: str, path: tuple, ref: str, case: str, where: str) -> list[str]:
    """Checks on one differing string value, by the target and file (ctx) and where it is."""
    out: list[str] = []
    keys = [str(p) for p in path]
    if ref.lstrip().startswith("<policies") or case.lstrip().startswith("<policies"):
        return xml_problems(ref, case, where)
    if ref[:1] in "{[" and case[:1] in "{[":
        try:
            a, b = json.loads(ref), json.loads(case)
        except ValueError:
            pass
        else:
            if isinstance(a, (dict, list)):
                return json_problems(ctx + "#embedded", a, b, where)
    if ctx == "azure/template.json":  # ARM evaluates the template's own strings (not documents inside them)
        out += arm_problems(ref, case, where)
    if ctx.startswith("aws/"):
        if any(k in ("requestTemplates", "responseTemplates") for k in keys):
            out += vtl_problems(ref, case, where)
        if any(k in ("requestParameters", "responseParameters") for k in keys):
            out += static_parameter_problems(ref, case, where)
        if "Fn::Sub" in keys:
            out += sub_problems(ref, case, where)
        if ctx.startswith("aws/template.yaml"):  # also inside the inline OpenAPI body: one template
            out += cloudformation_problems(ref, case, where)
    if ctx.startswith("istio/") and "headers" in keys:
        out += envoy_problems(ref, case, where)
    if ctx.startswith("gcp/") and "x-google-audiences" in keys and ref.count(",") != case.count(","):
        out.append(f"{where}: x-google-audiences {case[:120]!r} lists another number of audiences")
    return out


# --- JSON and YAML trees ----------------------------------------------------------------------------------

def _kind(v) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if v is None:
        return "null"
    return type(v).__name__


def loose(v):
    """The shape of a subtree without key names or values: for pairing keys derived from the value."""
    if isinstance(v, dict):
        return ("d", tuple(sorted((loose(x) for x in v.values()), key=repr)))
    if isinstance(v, list):
        return ("l", tuple(loose(x) for x in v))
    return _kind(v)


def json_problems(ctx: str, ref, case, where: str, path: tuple = (), memo: dict | None = None) -> list[str]:
    """Differences between two parsed trees (memo: results by node pair, for the list pairing)."""
    memo = {} if memo is None else memo
    key = (id(ref), id(case))
    if key not in memo:
        memo[key] = _json_problems(ctx, ref, case, where, path, memo)
    return memo[key]


def _json_problems(ctx: str, ref, case, where: str, path: tuple, memo: dict) -> list[str]:
    here = f"{where}:/{'/'.join(str(p) for p in path)}"
    if _kind(ref) != _kind(case):
        return [f"{here}: a {_kind(case)} where the harmless value gives a {_kind(ref)}"]
    if isinstance(ref, dict):
        if len(ref) != len(case):
            return [f"{here}: keys {sorted(set(case) - set(ref))[:4]} instead of {sorted(set(ref) - set(case))[:4]}"]
        out: list[str] = []
        for k in ref.keys() & case.keys():
            out += json_problems(ctx, ref[k], case[k], where, (*path, k), memo)
        only_ref = sorted(set(ref) - set(case), key=str)
        only_case = sorted(set(case) - set(ref), key=str)
        for k in only_case:  # a key derived from the value: paired with a harmless one of the same shape
            match = next((r for r in only_ref if loose(ref[r]) == loose(case[k])), None)
            if match is None:
                out.append(f"{here}: key {k!r} has no counterpart of its shape in the harmless output")
                continue
            only_ref.remove(match)
            out += json_problems(ctx, ref[match], case[k], where, (*path, k), memo)
        return out
    if isinstance(ref, list):
        if len(ref) != len(case):
            return [f"{here}: {len(case)} items instead of {len(ref)}"]
        out = []
        for i, (a, b) in enumerate(zip(ref, case)):
            out += json_problems(ctx, a, b, where, (*path, i), memo)
        if out:  # the value may have moved an item (lists sorted by a name): any pairing without problems
            left = list(range(len(ref)))
            for j, b in enumerate(case):
                shape = loose(b)
                i = next((i for i in left if loose(ref[i]) == shape
                          and not json_problems(ctx, ref[i], b, where, (*path, j), memo)), None)
                if i is None:
                    return out
                left.remove(i)
            return []
        return out
    if isinstance(ref, str) and ref != case:
        return string_problems(ctx, path, ref, case, here)
    return []


# --- XML --------------------------------------------------------------------------------------------------

def parse_xml(text: str) -> ElementTree.Element:
    """Parse without any DTD: a document type or entity declaration is refused before parsing."""
    if re.search(r"<!(DOCTYPE|ENTITY)", text):
        raise ValueError("a DOCTYPE or ENTITY declaration")
    return ElementTree.fromstring(text)


_OPTIONAL: set[tuple[str, str]] = set()  # (element, attribute) pairs that may come and go (see problems())


def xml_problems(ref_text: str, case_text: str, where: str) -> list[str]:
    try:
        case = parse_xml(case_text)
    except (ElementTree.ParseError, ValueError) as e:
        return [f"{where}: not well-formed XML: {e}"]
    out: list[str] = []
    _xml_walk(parse_xml(ref_text), case, where, out)
    return out


def _attributes(e: ElementTree.Element) -> list[str]:
    return sorted(a for a in e.attrib if (e.tag, a) not in _OPTIONAL)


def _xml_walk(a: ElementTree.Element, b: ElementTree.Element, where: str, out: list[str]) -> None:
    here = f"{where}:<{b.tag}>"
    if a.tag != b.tag or _attributes(a) != _attributes(b) or len(a) != len(b):
        out.append(f"{here}: element/attributes/children {b.tag} {sorted(b.attrib)} {[c.tag for c in b][:6]} "
                   f"instead of {a.tag} {sorted(a.attrib)} {[c.tag for c in a][:6]}")
        return
    for name in _attributes(a):
        if a.attrib[name] != b.attrib[name]:
            out += apim_value_problems(a.attrib[name], b.attrib[name], f"{here}@{name}")
    for x, y, what in ((a.text, b.text, "text"), (a.tail, b.tail, "tail")):
        if (x or "") != (y or ""):
            out += apim_value_problems(x or "", y or "", f"{here} {what}")
    for c, d in zip(a, b):
        _xml_walk(c, d, where, out)


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# --- whole outputs ----------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=4096)
def _load_reference(rel: str, text: str):
    """_load, kept: the harmless outputs are compared with many hostile ones."""
    return _load(rel, text)


def _load(rel: str, text: str):
    """(kind, parsed) of one output file."""
    if rel.endswith(".conf"):
        return "nginx", text
    if rel.endswith(".xml"):
        return "xml", text
    if rel.endswith(".json"):
        return "tree", json.loads(text)
    if rel.endswith((".yaml", ".yml")):
        return "tree", list(yaml.load_all(text, Loader=_YAML_LOADER))
    if rel.endswith(".js") and text.startswith("export default {"):
        return "tree", json.loads(text[len("export default "):].rstrip().rstrip(";"))
    return "text", text


def _pair_files(ref: dict[str, str], case: dict[str, str]) -> tuple[list[tuple[str, str]], list[str]]:
    """Files of the two runs paired by name; names derived from the value (an operation per route) in
    sorted order within their folder and extension."""
    pairs = [(r, r) for r in sorted(ref.keys() & case.keys())]
    groups: dict[tuple, tuple[list, list]] = {}
    for side, names in ((0, ref.keys() - case.keys()), (1, case.keys() - ref.keys())):
        for n in sorted(names):
            key = (n.rsplit("/", 1)[0] if "/" in n else "", n.rsplit(".", 1)[-1])
            groups.setdefault(key, ([], []))[side].append(n)
    problems = []
    for key, (a, b) in groups.items():
        if len(a) != len(b):
            problems.append(f"files {b} where the harmless value gives {a}")
        pairs += list(zip(a, b))
    return pairs, problems


def problems(target: str, ref_files: dict[str, str], case_files: dict[str, str],
             optional_attributes: frozenset[tuple[str, str]] = frozenset()) -> list[str]:
    """Every structural difference between one target's harmless and hostile outputs. optional_attributes:
    XML (element, attribute) pairs that may be present in one and absent in the other (APIM's <key id>,
    which gwc leaves out when APIM would not take the key id literally)."""
    _OPTIONAL.clear()
    _OPTIONAL.update(optional_attributes)
    try:
        return _problems(target, ref_files, case_files)
    finally:
        _OPTIONAL.clear()


def _per_operation(files: dict[str, str]) -> dict[str, str]:
    """Azure's operation policies as one file each (the bundle lists them in id order, and a value that becomes
    part of an id moves its operation: compared one by one, each is paired with its harmless counterpart)."""
    from gwc.targets.azure.bundle import PATH

    from tests.validators.azure_checks import expand_policies
    out = expand_policies(files)
    out.pop(PATH, None)
    return out


def _problems(target: str, ref_files: dict[str, str], case_files: dict[str, str]) -> list[str]:
    ref_files, case_files = _per_operation(ref_files), _per_operation(case_files)
    pairs, out = _pair_files(ref_files, case_files)
    for r, c in pairs:
        where = f"{target}/{c}"
        text = case_files[c]
        if text == ref_files[r]:
            continue
        if "\x00" in text:
            out.append(f"{where}: a NUL character")
        kind, a = _load_reference(r, ref_files[r])
        try:
            _, b = _load(c, text)
        except (ValueError, yaml.YAMLError) as e:
            out.append(f"{where}: does not parse: {str(e)[:200]}")
            continue
        if kind == "nginx":
            out += nginx_problems(a, b, where)
        elif kind == "xml":
            out += xml_problems(a, b, where)
        elif kind == "tree":
            out += json_problems(f"{target}/{c}", a, b, where)
        elif a != b:
            out.append(f"{where}: differs from the harmless output")
    return out
