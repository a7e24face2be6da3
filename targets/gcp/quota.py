"""Rate limits as Google quotas: one metric per route, a per-minute limit per consumer project, and a
metric cost of 1 on each of the route's operations.

Google counts "requests per minute per calling project" (`unit: 1/min/{project}`; per-minute, per-project
limits are the only kind it supports) and identifies the project from the request's API key. So only
`per: api_key` has a counterpart, and only approximately:
- the limit is the rate per minute, rounded up: `rate: 100/s, burst: 50` becomes 6000 requests a minute;
- there is no burst and no smoothing: all 6000 may come in the first second of a minute (the spec lets
  51 through at once, then 100 a second), and none after the 6000th until the next minute;
- the key is the Google Cloud project the API key belongs to: keys of one project share one quota.
`per: client_ip` and `per: route` (one bucket for all callers) and day/week/month quotas have no
counterpart: they are unsupported in the fidelity table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from gwc.model import Route

from .context import Context
from .names import limit_name, metric_name


@dataclass(frozen=True)
class Quota:
    """One route's per-minute quota."""

    metric: str
    limit: str
    per_minute: int
    display: str


def per_minute_limit(per_second: Fraction) -> int:
    """The per-minute quota for a token-bucket refill rate: the rate per minute, rounded up (never below 1)."""
    return max(1, math.ceil(per_second * 60))


def describe(per_second: Fraction, burst: int, limit: int) -> str:
    """What the approximation does, in numbers."""
    exact = per_second * 60
    text = f"{limit} requests per minute" + ("" if exact == limit else f" ({float(exact):.2f} rounded up)")
    per_sec = per_second.numerator if per_second.denominator == 1 else f"{float(per_second):.4g}"
    return (f"a quota of {text} per calling Google Cloud project (the API key's project): "
            f"up to {limit} may arrive at once and then none until the next minute, where the spec lets "
            f"{burst + 1} through at once and then {per_sec} a second; no burst setting")


def quota(ctx: Context, route: Route) -> Quota | None:
    """The route's quota, for `per: api_key` (other kinds are unsupported and dropped under --allow-lossy)."""
    rl = route.rate_limit
    if not rl or rl.per != "api_key" or ctx.dropped("rate_limit.api_key", route.id):
        return None
    limit = per_minute_limit(rl.rate.per_second)
    ctx.warn("GWC303", f"rate {rl.rate.text}, burst {rl.burst}, per api_key becomes "
             + describe(rl.rate.per_second, rl.burst, limit), rl.pointer,
             "see docs/targets/gcp.md (quotas); a client needs its own Google Cloud project for its own quota")
    ctx.mark("rate_limit.api_key", route.id)
    return Quota(metric_name(route), limit_name(route), limit, f"Requests to route {route.id}")
