"""Rates as nginx writes them."""

from __future__ import annotations

from fractions import Fraction


def nginx_rate(rate_per_s: Fraction) -> tuple[str, Fraction]:
    """nginx accepts whole requests per second or per minute: (text, the rate it means per second)."""
    if rate_per_s.denominator == 1:
        return f"{rate_per_s.numerator}r/s", rate_per_s
    per_minute = max(1, round(rate_per_s * 60))
    return f"{per_minute}r/m", Fraction(per_minute, 60)
