"""Throughput of the generated nginx (one worker) under wrk, against a hand-written one-location proxy and
against itself at other sizes. Each comparison alternates its servers run by run (A B A B ...) and reports
the per-pair ratio (bench.measure). Besides wrk's requests/s and p99, every run records the gateway
worker's CPU time per request from /proc: on a shared 2-core machine wrk, the upstream and the gateway
compete for CPU, so requests/s understates a gateway-side difference; 1/(CPU per request) is what one
saturated worker would serve ("capacity").

    python -m bench.nginx_throughput [--quick]
"""

from __future__ import annotations

import argparse
from contextlib import ExitStack

from . import nginx_build as build
from . import nginx_variants as variants
from .measure import Row
from .nginx_runs import Bench, Plan, check, compare, rounds
from .nginx_wrk import Load, Sample

FULL = Plan(pairs=10, seconds=1, warmup=2, quick=False)
QUICK = Plan(pairs=3, seconds=1, warmup=1, quick=True)
SAME = ("Both: one worker, HTTP/1.1 keep-alive to the upstream (16 idle), sendfile; gwc also makes a request id "
        "and a traceparent, and sets 9 proxy headers to the proxy's 5.")
LOGS_ON = ("Logs: gwc writes a JSON line per request through a 64 KiB buffer (flushed every second), the proxy "
           "the stock combined line unbuffered (as usually written by hand); both to a file.")


def _diagnostics(prefix: str, cases: list[tuple[str, str, list[Sample], list[Sample]]]) -> list[Row]:
    """Report rows (no goal) for variants: (label, baseline's name, baseline's samples, the variant's), each
    paired with the baseline run of the same round."""
    rows: list[Row] = []
    for label, base_name, base, got in cases:
        rows += compare(f"{prefix} diagnostic: {label} / {base_name}", base, got, None,
                        variants.NOTES[label] + " Paired with the baseline run of the same round.")
    return rows


def routes_vs_proxy(bench: Bench, plan: Plan) -> list[Row]:
    """(a) 1,000 routes (no auth/limits), request to the last-declared route, vs the one-location proxy."""
    spec = build.plain_spec(1000)
    load = Load(build.last_route_path(spec))
    compiled = build.compile_spec("r1000", spec)
    entries = [(bench.proxy("a-proxy-log"), load), (bench.gwc("a-gwc-log", compiled), load)]
    if not plan.quick:
        quiet = build.plain_spec(1000, observability={"access_log": {"format": "none"}})
        bare = build.plain_spec(1000, observability={"access_log": {"format": "none"}, "request_id": False,
                                                      "tracing": {"propagate": "none"}})
        bare_compiled = build.compile_spec("r1000-bare", bare)
        entries += [(bench.proxy("a-proxy-nolog", access_log=False), load),
                    (bench.gwc("a-gwc-nolog", build.compile_spec("r1000-nolog", quiet)), load),
                    (bench.gwc("a-log-unbuffered", compiled, variants.unbuffered_log), load),
                    (bench.gwc("a-bare", bare_compiled), load),
                    (bench.gwc("a-bare-param", bare_compiled), Load(build.last_route_path(bare, params=True)))]
    for server, each in entries:
        check(server, each)
    s = rounds(entries, plan)
    rows = compare("(a) 1,000 routes / one-location proxy, access logs on", s[0], s[1], ">= 0.95",
                   f"{SAME} {LOGS_ON}", "<= 1.1")
    if not plan.quick:
        rows += compare("(a) 1,000 routes / one-location proxy, access logs off", s[2], s[3], ">= 0.95",
                        f"{SAME} access_log off on both (gwc: observability.access_log.format none).", "<= 1.1")
        rows += _diagnostics("(a)", [("log-unbuffered", "proxy with log", s[0], s[4]),
                                     ("bare", "proxy without log", s[2], s[5]),
                                     ("bare-param", "proxy without log", s[2], s[6])])
    return rows


def features_vs_proxy(bench: Bench, plan: Plan) -> list[Row]:
    """(b) 1,000 routes with RS256 JWT, a never-triggering per-IP limit and gzip, vs the proxy; variants that
    take one piece away (or the cache of verified tokens) show where the time goes."""
    signer = build.Signer()
    spec = build.featured_spec(1000)
    load = Load(build.last_route_path(spec),
                (("Accept-Encoding", "gzip"), ("Authorization", f"Bearer {signer.token()}")))
    full = build.compile_spec("r1000-b", spec, signer.jwks)
    entries = [(bench.proxy("b-proxy"), {}), (bench.gwc("b-gwc", full), {"gzipped": True, "jwt": True})]
    njs_key = build.featured_spec(1000)
    njs_key["targets"]["nginx"]["auth_cache_key"] = "njs"
    cut = [("no-jwt", build.featured_spec(1000, jwt=False), {"gzipped": True}),
           ("no-gzip", build.featured_spec(1000, gzip=False), {"jwt": True}),
           ("njs-key", njs_key, {"gzipped": True, "jwt": True})]
    for label, data, expect in cut[: 1 if plan.quick else 3]:
        compiled = build.compile_spec(f"r1000-b-{label}", data, signer.jwks)
        entries.append((bench.gwc(f"b-{label}", compiled), expect))
    for label, conf_patch, js_patch, expect in [] if plan.quick else variants.auth_variants():
        entries.append((bench.gwc(f"b-{label}", full, conf_patch, js_patch), expect))
    for server, expect in entries:
        check(server, load, **expect)
    s = rounds([(server, load) for server, _ in entries], plan)
    rows = compare("(b) 1,000 routes + JWT RS256, rate limit, gzip / one-location proxy", s[0], s[1], ">= 0.6",
                   "gwc: RS256 JWT via auth_request + njs behind the cache of verified tokens, keyed by nginx's "
                   "HMAC of the Authorization header (set-misc; one token: every request after the first is a "
                   "hit), limit_req per client IP (never triggers), gzip of the "
                   f"{len(build.BODY)}-byte JSON answer (min_size 16B); access logs on (as in (a)).")
    return rows + _diagnostics("(b)", [(server.name.split("-", 1)[1], "one-location proxy", s[0], got)
                                       for (server, _), got in zip(entries[2:], s[2:])])


def size_flat(bench: Bench, plan: Plan) -> list[Row]:
    """(c) 10 routes vs 10,000 routes (same kind of spec), request to each one's last-declared route."""
    small, large = build.plain_spec(10), build.plain_spec(10000)
    a_load, b_load = Load(build.last_route_path(small)), Load(build.last_route_path(large))
    a = bench.gwc("c-gwc-10", build.compile_spec("r10", small))
    b = bench.gwc("c-gwc-10000", build.compile_spec("r10000", large))
    entries = [(a, a_load), (b, b_load)]
    if not plan.quick:
        entries.append((b, Load(build.last_route_path(large, params=True))))
    for server, load in entries:
        check(server, load)
    s = rounds(entries, plan)
    rows = compare("(c) 10,000 routes / 10 routes", s[0], s[1], ">= 0.9",
                   f"Requests to {a_load.path} and {b_load.path} (both prefix routes: the last declared).")
    if not plan.quick:
        rows += _diagnostics("(c)", [("last-param-10000", "10 routes", s[0], s[2])])
    return rows


def run(quick: bool) -> list[Row]:
    """All nginx throughput rows; quick: fewer, shorter runs and fewer variants."""
    plan = QUICK if quick else FULL
    rows: list[Row] = []
    for part in (routes_vs_proxy, features_vs_proxy, size_flat):
        with ExitStack() as stack:
            rows += part(Bench(stack), plan)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer and shorter runs (under ~40 s)")
    for row in run(parser.parse_args().quick):
        verdict = "report" if row.goal == "report" else f"goal {row.goal}: {'met' if row.met else 'MISSED'}"
        print(f"{row.name}: {row.ratio.cell()} over {row.ratio.pairs} pairs, {verdict}\n    {row.note}")


if __name__ == "__main__":
    main()
