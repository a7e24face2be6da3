"""Upstream blocks (instances, weights, balancing, passive health, keepalive) and split_clients maps."""

from __future__ import annotations

from fractions import Fraction

from gwc.model import Gateway, Route, Service
from gwc.target import EmitResult, finding

from .conf import Block, Entry, Raw
from .names import ident, upstream
from .times import report_rounding, whole_seconds


def upstream_block(svc: Service, result: EmitResult) -> Block:
    """`upstream gwc_svc_NAME { ... }` for a service with instances."""
    for feature in ("service.instances", "service.balance", "service.health", "service.https"):
        result.mark(feature, svc.name)
    b = Block("upstream", (upstream(svc.name),))
    if svc.balance != "round_robin":
        b.add(svc.balance)
    for inst in svc.instances:
        args: list = [Raw(f"{inst.host}:{inst.port}")]
        if inst.weight != 1:
            args.append(f"weight={inst.weight}")
        args += [f"max_fails={svc.max_fails}", f"fail_timeout={whole_seconds(svc.fail_timeout_ms)}"]
        if inst.backup:
            args.append("backup")
        b.add("server", *args)
    if svc.keepalive:
        b.add("keepalive", svc.keepalive)
    report_rounding(result, svc.fail_timeout_ms, "fail_timeout", f"{svc.pointer}/health/fail_timeout")
    return b


def split_percentages(route: Route) -> list[tuple[str, str]]:
    """(percentage or '*', service) pairs for split_clients; weights become percentages with 2 decimals."""
    live = [s for s in route.split if s.weight > 0]
    total = sum(s.weight for s in live)
    out = []
    for s in live[:-1]:
        pct = (Fraction(s.weight * 100, total) * 100).__round__() / Fraction(100)
        out.append((f"{float(pct):.2f}".rstrip("0").rstrip(".") + "%", s.service))
    out.append(("*", live[-1].service))
    return out


def split_block(route: Route, result: EmitResult) -> Block:
    """`split_clients "$request_id" $gwc_split_ROUTE { 90% gwc_svc_a; * gwc_svc_b; }`."""
    b = Block("split_clients", (Raw("$request_id"), Raw(f"$gwc_split_{ident(route.id)}")))
    shares = split_percentages(route)
    for pct, service in shares:
        b.children.append(Entry((Raw(pct), upstream(service))))
    live = [s for s in route.split if s.weight > 0]
    total = sum(s.weight for s in live)
    written = [Fraction(p[:-1]) if p != "*" else None for p, _ in shares]
    written[-1] = 100 - sum(w for w in written if w is not None)
    exact = [Fraction(s.weight * 100, total) for s in live]
    if written != exact:
        pairs = ", ".join(f"{s.service} {float(e):.6g}% -> {float(w):.6g}%" for s, e, w in zip(live, exact, written))
        result.diagnostics.append(finding("nginx", "GWC303", f"split weights rounded to whole hundredths of a "
                                          f"percent: {pairs}", f"{route.pointer}/split",
                                          "pick weights that divide 100 evenly to make this exact"))
    return b


def upstream_blocks(gw: Gateway, result: EmitResult) -> list[Block]:
    """Every upstream a route uses, in name order."""
    used = {r.service for r in gw.routes if r.service} | {s.service for r in gw.routes for s in r.split}
    return [upstream_block(gw.services[n], result) for n in sorted(used) if not gw.services[n].mock]
