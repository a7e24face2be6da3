"""The audit rules: one small class per rule, each with a stable id, a severity and one job.

A rule reads the typed model (and the loaded document, for the values as written) and yields `Hit`s: the
JSON pointer of the offending value and a message that quotes it. `gwc.audit.audit` turns hits into located
diagnostics. docs/audit.md is generated from the rule classes (gwc/audit/routes.py and network.py, by
scripts/gen_docs.py), so a rule's title, rationale, fix and `detects` text are its documentation.

Severity -> diagnostic level: high = error, medium = warning, low = note.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import LEVELS, SEVERITIES, SEVERITY_OF_LEVEL, Context, Hit, Rule  # noqa: F401 - the public names
from .network import (
    CredentialInQuery,
    IpRulesWithoutTrustedProxies,
    LargeBodyLimit,
    MetricsOpenToAll,
    OpenSensitivePath,
    SharedCacheOnAuthRoute,
    TrustedProxiesTooBroad,
    UpstreamTlsUnverified,
)
from .routes import (
    CredentialRouteWithoutRateLimit,
    JwtWithoutAudience,
    JwtWithoutIssuer,
    NoRateLimitAnywhere,
    OpenRouteBypassesAuth,
    OpenWriteRoute,
    PlainHttpPublicUpstream,
    WildcardOriginOnAuthRoute,
)

RULES: tuple[Rule, ...] = tuple(cls() for cls in (
    OpenWriteRoute, WildcardOriginOnAuthRoute, JwtWithoutIssuer, JwtWithoutAudience, PlainHttpPublicUpstream,
    NoRateLimitAnywhere, CredentialRouteWithoutRateLimit, OpenRouteBypassesAuth, IpRulesWithoutTrustedProxies,
    TrustedProxiesTooBroad, LargeBodyLimit, OpenSensitivePath, MetricsOpenToAll, SharedCacheOnAuthRoute,
    UpstreamTlsUnverified, CredentialInQuery))


@dataclass(frozen=True)
class IgnoreRule:
    """A finding about the ignore file itself. These cannot be ignored."""

    id: str
    severity: str
    title: str
    rationale: str
    fix: str
    detects: str
    incident: str = ""


IGNORE_RULES: tuple[IgnoreRule, ...] = (
    IgnoreRule("GWA901", "high", "Ignore entry without a reason",
               "An unexplained exception cannot be reviewed; it outlives the people who knew why.",
               "Add `reason:` saying why the finding is acceptable (and who decided).",
               ("An entry of the ignore file without a non-empty text `reason` (quote words YAML reads as "
                "booleans, such as `no`). The entry does not suppress anything.")),
    IgnoreRule("GWA902", "medium", "Ignore entry expired",
               "Exceptions are meant to be revisited; an expired one hides nothing any more.",
               "Fix the finding, or review the exception and move `expires:` forward.",
               "An entry whose `expires` date is before today. It does not suppress: the finding it covered is "
               "reported again."),
    IgnoreRule("GWA903", "high", "Ignore entry names an unknown rule",
               "A typo in a rule id silently ignores nothing, or a rule that no longer exists.",
               "Use one of the ids listed in docs/audit.md.",
               "An entry whose `rule` is not one of the audit rules (GWA001-GWA0xx)."),
    IgnoreRule("GWA904", "high", "Ignore file malformed",
               "A file gwc cannot read as intended must not quietly suppress (or fail to suppress) findings.",
               "Write a YAML list of mappings with the keys rule, pointer, reason and expires.",
               "The ignore file is not a list of mappings, an entry has an unknown key, or a value has the "
               "wrong type (`pointer` not starting with `/`, `expires` not a YYYY-MM-DD date). YAML errors "
               "are reported with their GWC0xx code."),
    IgnoreRule("GWA905", "low", "Ignore entry matches nothing",
               "A stale exception will silently hide the problem if it comes back.",
               "Remove the entry.",
               "A valid, unexpired entry that suppressed no finding in any audited spec."),
)

ALL_RULES: dict[str, Rule | IgnoreRule] = {r.id: r for r in (*RULES, *IGNORE_RULES)}
