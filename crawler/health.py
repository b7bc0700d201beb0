"""Is a source healthy? Judged from its recent crawls; one notice per change of state.

Plain functions over plain rows (the daemon and ``newsmon status`` adapt them): a source
is *failing* after ``failures`` failed crawls in a row, *blocked* when those failures are
refusals (401/403/451 or an anti-bot challenge page), *silent* when it has brought no new
article for longer than its allowed silence although its crawls succeed. Alerting on the
transitions, not on every crawl, gives one notice per incident and one on recovery.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

OK = "ok"


@dataclass(frozen=True)
class Health:
    state: str  # ok | failing | blocked | silent
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.state == OK


def assess(
    runs: Sequence[dict[str, Any]],
    last_new: datetime | None,
    first_crawl: datetime | None,
    now: datetime,
    *,
    failures: int,
    silence: float,
) -> Health:
    """The health of one source from its latest crawl_runs rows (newest first), when it
    last brought a new article and was first crawled, and the policy: ``failures`` crawls
    in a row, ``silence`` seconds."""
    finished = [r for r in runs if r["status"] != "running"]
    if not finished:
        return Health(OK)
    failed = 0
    for run in finished:
        if run["status"] != "failed":
            break
        failed += 1
    if failures and failed >= failures:
        latest = finished[0]
        kinds = json.loads(latest.get("errors_by_kind") or "{}")
        message = latest.get("message") or ""
        if "blocked" in kinds:
            return Health("blocked", f"{failed} crawls refused by the site: {message}".strip())
        return Health("failing", f"{failed} failed crawls in a row: {message}".strip())
    if silence and finished[0]["status"] != "failed":
        # Counted from the first crawl when nothing has arrived yet: a new source gets
        # its full allowance before it is called silent.
        since = last_new or first_crawl
        if since is not None and (now - since).total_seconds() > silence:
            return Health("silent", f"no new article since {since:%Y-%m-%d %H:%M} UTC")
    return Health(OK)


_WHAT = {"failing": "is failing", "blocked": "is blocked by the site", "silent": "has gone silent"}


def describe(source: str, previous: str, new: Health) -> str:
    """One line on a change of health."""
    if new.ok:
        return f"{source} works again (it was {previous})."
    return f"{source} {_WHAT.get(new.state, new.state)}: {new.detail}"


def summarize(changes: Sequence[dict[str, Any]]) -> tuple[str, list[str]]:
    """(subject, lines) of one notice for the changes ``{source, state, previous, detail}``
    not yet told: one source names it; many (the network was down) are counted."""
    lines = [
        describe(c["source"], c.get("previous") or OK, Health(c["state"], c.get("detail") or ""))
        for c in changes
    ]
    if len(changes) == 1:
        change = changes[0]
        what = "is back" if change["state"] == OK else _WHAT.get(change["state"], change["state"])
        return f"newsmon: {change['source']} {what}", lines
    counts: dict[str, int] = {}
    for c in changes:
        label = "back" if c["state"] == OK else c["state"]
        counts[label] = counts.get(label, 0) + 1
    parts = ", ".join(f"{n} {label}" for label, n in sorted(counts.items()))
    return f"newsmon: {len(changes)} sources changed health ({parts})", lines
