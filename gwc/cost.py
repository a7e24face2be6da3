"""Monthly cost estimates for the cloud targets (`gwc cost`), from a sourced price table."""

from __future__ import annotations

import json
import re
from importlib.resources import files

HOURS_PER_MONTH = 730
DISCLAIMER = "Prices change; check the linked pages before you rely on this estimate."
CACHE_NOTE = ("cache hit rate: reduces nothing here; API Gateway bills every request, cached or not "
              "(it only spares the backend)")
_SUFFIX = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}
_SOURCED = ("source", "retrieved", "region")


def parse_requests(text: str) -> int:
    """'25M/month' -> 25000000. Raises ValueError with a readable message."""
    m = re.fullmatch(r"\s*(\d+)\s*([kKmMbB]?)\s*/\s*month\s*", text)
    if not m:
        raise ValueError(f"--requests must be N/month (N an integer, k/M/B suffix allowed, e.g. 25M/month), "
                         f"not {text!r}")
    return int(m.group(1)) * _SUFFIX[m.group(2).lower()]


def shipped_prices() -> dict:
    return json.loads(files("gwc").joinpath("prices.json").read_text(encoding="utf-8"))


def validate_prices(data) -> list[str]:
    """Shape errors, each located by a JSON pointer-ish path; empty when the table is usable."""
    errs: list[str] = []

    def sourced(obj, where):
        for key in _SOURCED:
            if not isinstance(obj.get(key), str) or not obj.get(key):
                errs.append(f"{where}/{key}: required, a non-empty string")

    def number(obj, key, where, allow_null=False):
        v = obj.get(key)
        if v is None and allow_null:
            return
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            errs.append(f"{where}/{key}: required, a number >= 0")

    if not isinstance(data, dict):
        return ["/: must be an object"]
    if not isinstance(data.get("retrieved"), str):
        errs.append("/retrieved: required, a date string")
    targets = data.get("targets")
    if not isinstance(targets, dict) or not targets:
        return errs + ["/targets: required, a non-empty object"]
    for name, t in targets.items():
        base = f"/targets/{name}"
        if not isinstance(t, dict):
            errs.append(f"{base}: must be an object")
            continue
        if "unconfirmed" in t:
            if not isinstance(t["unconfirmed"], str):
                errs.append(f"{base}/unconfirmed: must be a string")
            continue
        ft = t.get("free_tier")
        if ft is not None:
            if not isinstance(ft, dict):
                errs.append(f"{base}/free_tier: must be an object")
            else:
                number(ft, "requests", f"{base}/free_tier")
                sourced(ft, f"{base}/free_tier")
        tiers = t.get("tiers")
        if not isinstance(tiers, list) or not tiers:
            errs.append(f"{base}/tiers: required, a non-empty list")
        else:
            prev = 0
            for i, tier in enumerate(tiers):
                w = f"{base}/tiers/{i}"
                if not isinstance(tier, dict):
                    errs.append(f"{w}: must be an object")
                    continue
                number(tier, "per_million", w)
                number(tier, "up_to", w, allow_null=True)
                sourced(tier, w)
                up = tier.get("up_to")
                last = i == len(tiers) - 1
                if up is None and not last:
                    errs.append(f"{w}/up_to: only the last tier may be open (null)")
                elif up is not None and last:
                    errs.append(f"{w}/up_to: the last tier must be open (null)")
                elif isinstance(up, (int, float)) and not isinstance(up, bool):
                    if up <= prev:
                        errs.append(f"{w}/up_to: must be greater than the previous tier's ({prev})")
                    prev = up
        cache = t.get("cache_per_hour")
        if cache is not None:
            if not isinstance(cache, dict):
                errs.append(f"{base}/cache_per_hour: must be an object")
            else:
                for size, c in cache.items():
                    w = f"{base}/cache_per_hour/{size}"
                    if not isinstance(c, dict):
                        errs.append(f"{w}: must be an object")
                        continue
                    number(c, "rate", w)
                    sourced(c, w)
    return errs


def aws_cache_size(gateway) -> str | None:
    """The cache cluster size the aws REST target would create, or None when no route caches."""
    if not any(r.cache for r in gateway.routes):
        return None
    return str(gateway.target_settings("aws").get("cache_cluster_size", "0.5"))


def estimate_target(key: str, t: dict, requests: int, cache_size: str | None) -> dict:
    """One target's estimate: lines of arithmetic, the total (None when it cannot be computed), sources."""
    out = {"target": key, "name": t.get("name", key), "lines": [], "total": None, "sources": [], "notes": []}
    if "unconfirmed" in t:
        out["notes"].append(f"not estimated: {t['unconfirmed']}")
        return out
    lines, sources = out["lines"], out["sources"]
    lines.append({"item": "requests", "requests": requests})
    ft = t.get("free_tier")
    free = min(requests, ft["requests"]) if ft else 0
    if ft:
        lines.append({"item": "free tier", "requests": -free, "note": ft.get("note", ""), "source": ft["source"]})
        sources.append(ft["source"])
    billable = requests - free
    total = 0.0
    # Tier boundaries count all requests of the month; the free allowance comes off the first tier(s).
    lower = 0
    for tier in t["tiers"]:
        upper = tier["up_to"]
        in_tier = max(0, (requests if upper is None else min(requests, upper)) - max(lower, free))
        if in_tier:
            amount = in_tier / 1_000_000 * tier["per_million"]
            total += amount
            lines.append({"item": f"tier {lower:,}-{'' if upper is None else f'{upper:,}'}", "requests": in_tier,
                          "per_million": tier["per_million"], "amount": amount, "source": tier["source"]})
            sources.append(tier["source"])
        if upper is None or requests <= upper:
            break
        lower = upper
    assert billable >= 0
    if key == "aws-rest" and cache_size is not None:
        rate = (t.get("cache_per_hour") or {}).get(cache_size)
        if rate is None:
            out["notes"].append(f"cache cluster {cache_size} GB: no sourced hourly rate in the table; "
                                f"its cost is NOT included")
        else:
            amount = HOURS_PER_MONTH * rate["rate"]
            total += amount
            lines.append({"item": f"cache cluster {cache_size} GB", "hours": HOURS_PER_MONTH,
                          "per_hour": rate["rate"], "amount": amount, "source": rate["source"]})
            sources.append(rate["source"])
    out["total"] = round(total, 6)
    out["sources"] = sorted(set(sources))
    return out


def estimate(prices: dict, requests: int, cache_size: str | None, hit_rate: float | None) -> dict:
    notes = []
    if hit_rate is not None:
        notes.append(f"{CACHE_NOTE} (given: {hit_rate:g})")
    else:
        notes.append(CACHE_NOTE)
    if cache_size is None:
        notes.append("the spec caches no route, so no aws REST cache cluster is counted")
    return {"requests": requests, "prices_retrieved": prices.get("retrieved"), "currency": prices.get("currency", "USD"),
            "targets": [estimate_target(k, t, requests, cache_size) for k, t in prices["targets"].items()],
            "notes": notes, "disclaimer": DISCLAIMER}


def render_text(result: dict) -> str:
    out = [f"Monthly cost estimate for {result['requests']:,} requests/month "
           f"({result['currency']}; price table retrieved {result['prices_retrieved']})", ""]
    for t in result["targets"]:
        out.append(f"{t['name']} [{t['target']}]")
        for line in t["lines"]:
            item = line["item"]
            if item == "requests":
                out.append(f"  requests                      {line['requests']:>16,}")
            elif item == "free tier":
                out.append(f"  free tier                     {line['requests']:>16,}   ({line['note']})")
            elif "per_million" in line:
                out.append(f"  {item:<28}  {line['requests']:>16,} / 1M x ${line['per_million']:.2f} "
                           f"= ${line['amount']:,.2f}")
            else:
                out.append(f"  {item:<28}  {line['hours']:>16,} h x ${line['per_hour']:.4f}/h = ${line['amount']:,.2f}")
        for note in t["notes"]:
            out.append(f"  note: {note}")
        if t["total"] is not None:
            out.append(f"  total                         ${t['total']:,.2f}")
        for src in t["sources"]:
            out.append(f"  source: {src}")
        out.append("")
    out.extend(f"note: {n}" for n in result["notes"])
    out.append(f"Price table date: {result['prices_retrieved']}. {result['disclaimer']}")
    return "\n".join(out) + "\n"
