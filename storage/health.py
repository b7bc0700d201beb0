"""What the archive knows of each source's crawls: the rows crawler.health judges, the
state last reported, and the overview ``newsmon status`` prints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crawler.health import Health
from storage.db import Archive, utc_now


def recent_runs(archive: Archive, source: str, limit: int) -> list[dict[str, Any]]:
    """The source's latest crawl_runs rows, newest first."""
    return [
        dict(r)
        for r in archive.db.query(
            "select * from crawl_runs where source = ? order by id desc limit ?", (source, limit)
        )
    ]


def last_new_and_first_crawl(archive: Archive, source: str) -> tuple[datetime | None, ...]:
    row = next(
        archive.db.query(
            "select max(case when new_articles > 0 then started end) as last_new,"
            " min(started) as first from crawl_runs where source = ?",
            (source,),
        )
    )
    return tuple(datetime.fromisoformat(v) if v else None for v in (row["last_new"], row["first"]))


def reported(archive: Archive, source: str) -> Health:
    """The health last reported for ``source`` (ok if never)."""
    if not archive.db["source_health"].exists():
        return Health("ok")
    rows = list(archive.db.query("select * from source_health where source = ?", (source,)))
    return Health(rows[0]["state"], rows[0]["detail"] or "") if rows else Health("ok")


def save_health(archive: Archive, source: str, health: Health) -> bool:
    """Record the judgement; True if the state changed (a notice is then owed)."""
    now = utc_now()
    with archive._write():
        table = archive.db.table("source_health")
        old = reported(archive, source)
        known = bool(table.count_where("source = ?", [source]))
        row: dict[str, Any] = {
            "source": source,
            "state": health.state,
            "detail": health.detail,
            "checked": now,
        }
        changed = old.state != health.state
        if changed:
            row.update(previous=old.state, since=now, notified=None)
        elif not known:  # first judgement, healthy: nothing to tell
            row.update(since=now, notified=now)
        table.upsert(row, pk="source")
    return changed


def owed_notices(archive: Archive) -> list[dict[str, Any]]:
    """Changes of health not yet in a queued notice, oldest first."""
    if not archive.db["source_health"].exists():
        return []
    sql = "select * from source_health where notified is null order by since, source"
    return [dict(r) for r in archive.db.query(sql)]


def mark_notified(archive: Archive, sources: list[str]) -> None:
    marks = ", ".join("?" * len(sources))
    with archive._write():
        archive.db.execute(
            f"update source_health set notified = ? where source in ({marks})",
            [utc_now(), *sources],
        )


def overview(archive: Archive) -> list[dict[str, Any]]:
    """Per source: last crawl, its result and new articles, failures in a row, health."""
    sql = """
    with latest as (
      select source, max(id) as id from crawl_runs group by source
    )
    select r.source, r.started as last_crawl, r.status, r.new_articles as new,
      (select count(*) from articles a where a.source = r.source) as articles,
      h.state as health, h.since as health_since
    from latest join crawl_runs r on r.id = latest.id
    left join source_health h on h.source = r.source
    order by r.source
    """
    rows = [dict(r) for r in archive.db.query(sql)]
    for row in rows:
        row["failures_in_a_row"] = _failures_in_a_row(archive, row["source"])
    return rows


def _failures_in_a_row(archive: Archive, source: str) -> int:
    n = 0
    for run in recent_runs(archive, source, 100):
        if run["status"] == "running":
            continue
        if run["status"] != "failed":
            break
        n += 1
    return n
