"""Destinations and DestinationRules: where a route sends, and the per-service traffic policy (balancing,
passive health, connect timeout, TLS to the upstream)."""

from __future__ import annotations

import ipaddress

from gwc.emitting import heaviest_instance
from gwc.model import Instance, Service

from .context import Context
from .names import Namer


def duration(ms: int) -> str:
    """A Go/Istio duration: '2s', '500ms', '10m', '1h' (never 'd', which Istio refuses)."""
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms and ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class Upstreams:
    """One instance per service (reported once when the service's instances cannot be one destination)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.chosen: dict[str, Instance] = {}

    def instance(self, svc: Service) -> Instance:
        if svc.name in self.chosen:
            return self.chosen[svc.name]
        ctx = self.ctx
        ctx.services_emitted.add(svc.name)
        places = {(i.host, i.port) for i in svc.instances}
        inst = heaviest_instance(svc)
        if len(svc.instances) > 1:
            if len(places) == 1:
                ctx.mark("service.instances", svc.name)
            elif not ctx.dropped("service.instances", svc.name):
                ctx.cannot("service.instances", svc.name, f"{svc.pointer}/targets",
                           f"the {len(svc.instances)} instances are on {len(places)} different hosts or ports; a "
                           "destination is one host whose pods the mesh balances", fix="put the instances behind one "
                           "Kubernetes Service (or a ServiceEntry with several endpoints) and use its name as the url")
        self.chosen[svc.name] = inst
        return inst

    def destination(self, svc: Service) -> dict:
        inst = self.instance(svc)
        return {"host": inst.host.strip("[]"), "port": {"number": inst.port}}


def traffic_policy(ctx: Context, svc: Service, inst: Instance) -> dict:
    """The DestinationRule trafficPolicy of one service (empty when the spec asks for nothing Istio's defaults
    do not already do)."""
    policy: dict = {}
    if svc.balance == "least_conn":
        policy["loadBalancer"] = {"simple": "LEAST_REQUEST"}
    elif svc.balance == "ip_hash":
        policy["loadBalancer"] = {"consistentHash": {"useSourceIp": True}}
    if svc.balance != "round_robin":
        ctx.mark("service.balance", svc.name)
    if svc.timeouts_set:
        policy["connectionPool"] = {"tcp": {"connectTimeout": duration(svc.connect_timeout_ms)}}
    if svc.health_set:
        ctx.mark("service.health", svc.name)
        if svc.max_fails > 0:
            window = duration(svc.fail_timeout_ms)
            policy["outlierDetection"] = {"consecutiveGatewayErrors": svc.max_fails, "consecutive5xxErrors": 0,
                                          "interval": window, "baseEjectionTime": window, "maxEjectionPercent": 100}
    if svc.scheme == "https":
        tls: dict = {"mode": "SIMPLE"}
        if not is_ip(inst.host):
            tls["sni"] = inst.host
        if not svc.tls_verify:
            tls["insecureSkipVerify"] = True
        policy["tls"] = tls
        ctx.mark("service.https", svc.name)
    return policy


def destination_rules(ctx: Context, ups: Upstreams) -> list[dict]:
    """One DestinationRule per upstream host that needs a policy, named <gateway>-<service>. Two services on one
    host share one rule (Istio applies one per host): a different policy for the second is reported (GWC386)."""
    namer = Namer()
    by_host: dict[str, tuple[str, dict]] = {}
    out = []
    for name in sorted(ups.chosen):
        svc = ctx.gw.services[name]
        inst = ups.chosen[name]
        policy = traffic_policy(ctx, svc, inst)
        if not policy:
            continue
        host = inst.host.strip("[]")
        if host in by_host:
            first, first_policy = by_host[host]
            if first_policy != policy:
                ctx.warn("GWC386", f"services {first!r} and {name!r} reach the same host {host!r} with different "
                         f"traffic policies; Istio applies one DestinationRule per host, so {first!r}'s applies to both",
                         svc.pointer, "give both services the same balance, timeouts, health and TLS settings")
            continue
        by_host[host] = (name, policy)
        out.append(ctx.resource("networking.istio.io", "DestinationRule", namer.take(f"{ctx.gw.name}-{name}"),
                                {"host": host, "trafficPolicy": policy}))
    return out
