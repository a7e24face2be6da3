"""Rate limits and quotas: rate-limit-by-key and quota-by-key at operation scope.

rate-limit-by-key admits at most `calls` requests per key in any sliding window of `renewal-period`
seconds (at most 300), and answers 429. gwc takes the window from the rate's unit (1 s for N/s, 60 s for
N/m; 300 s, the longest APIM allows, for N/h) and sets `calls` to what the spec's token bucket admits in
such a window: `ceil(rate x window) + burst` (after an idle period the bucket lets `burst + 1` through at
once and refills `rate x window` during the window, the window's first token being that first request).
So `rate: 100/s, burst: 50` becomes `calls="150" renewal-period="1"`: never stricter than the bucket over
one window, but up to 150 may arrive at once (the bucket: 51) and 150 a second may be sustained (the
bucket: 100). GWC303 gives these numbers for each route.

APIM keeps one counter per key value for every scope the policy is used at, so the key names the route
(`gwc:<route>:` + the client address, the subscription id, or nothing): buckets stay per route.

quota-by-key counts `calls` per key in fixed periods of `renewal-period` seconds: a day is 86400, a week
604800, a month 30 days (2592000; not calendar months); over quota APIM answers 403, not 429. Neither
policy exists in the Consumption tier.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from xml.etree.ElementTree import Element

from gwc.model import Route
from gwc.values import Rate

from .context import Context
from .values import cs_string
from .xmldoc import el

MAX_WINDOW = 300
UNIT_WINDOW = {"s": 1, "m": 60, "h": MAX_WINDOW}
QUOTA_PERIOD = {"day": 86400, "week": 604800, "month": 2592000}
KEYS = {"client_ip": "context.Request.IpAddress",
        "api_key": '(context.Subscription != null ? context.Subscription.Id : "")',
        "route": None}


@dataclass(frozen=True)
class Window:
    """calls per renewal-period seconds."""

    calls: int
    period: int


def window(per_second: Fraction, unit: str, burst: int) -> Window:
    """The rate-limit-by-key numbers for a token bucket (see the module docstring)."""
    period = UNIT_WINDOW[unit]
    return Window(math.ceil(per_second * period) + burst, period)


def describe(rate_text: str, per_second: Fraction, burst: int, w: Window) -> str:
    """What the approximation does, in numbers."""
    sustained = Fraction(w.calls, w.period)
    exact = per_second.numerator if per_second.denominator == 1 else f"{float(per_second):.4g}"
    return (f"rate {rate_text}, burst {burst} becomes calls=\"{w.calls}\" renewal-period=\"{w.period}\": at most "
            f"{w.calls} in any {w.period} s (as many as the spec's bucket admits), but {w.calls} may arrive at once "
            f"(spec: {burst + 1}) and {float(sustained):.4g}/s may be sustained (spec: {exact}/s)")


def _rate(rate: Rate, burst: int) -> tuple[Window, str]:
    """The window and its description."""
    w = window(rate.per_second, rate.text.rsplit("/", 1)[1], burst)
    return w, describe(rate.text, rate.per_second, burst, w)


def counter_key(kind: str, route: Route, per: str) -> str:
    """The counter-key expression: the route and the caller."""
    prefix = cs_string(f"gwc-{kind}:{route.id}:")
    source = KEYS[per]
    return f"@({prefix} + {source})" if source else f"@({prefix})"


def rate_policies(ctx: Context, route: Route) -> list[Element]:
    """rate-limit-by-key (and quota-by-key) for the route, marked and reported."""
    rl = route.rate_limit
    if not rl:
        return []
    out: list[Element] = []
    if not ctx.dropped(f"rate_limit.{rl.per}", route.id):
        # computed once per rate text (which fixes the rate) and burst: routes share them
        w, message = ctx.share(("rate", rl.rate.text, rl.burst), lambda: _rate(rl.rate, rl.burst))
        ctx.warn("GWC303", message, rl.pointer, "see docs/targets/azure.md (rate limits)")
        out.append(el("rate-limit-by-key", {"calls": str(w.calls), "renewal-period": str(w.period),
                                            "counter-key": counter_key("rate", route, rl.per)}))
        ctx.mark(f"rate_limit.{rl.per}", route.id)
    if rl.quota and not ctx.dropped("rate_limit.quota", route.id):
        out.append(el("quota-by-key", {"calls": str(rl.quota.requests),
                                       "renewal-period": str(QUOTA_PERIOD[rl.quota.period]),
                                       "counter-key": counter_key("quota", route, rl.per)}))
        ctx.mark("rate_limit.quota", route.id)
    return out
