"""The daemon's alert steps: what to queue after a crawl or at digest time, and delivery.

An adapter between the archive, the configuration and the outbox (crawler/outbox.py).
Queuing happens on the daemon's thread, with its archive connection; delivery talks to
the SMTP server, which may hang for ``smtp.timeout``, so it runs in a thread of its own
with its own connection (SQLite in WAL mode lets both work at once).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from crawler.alerts import Report, report_from_rows
from crawler.config import Config, SubscriberConfig
from crawler.mailer import transport_for
from crawler.outbox import Delivery, deliver_due, queue_notice, queue_reports
from storage.db import Archive

log = logging.getLogger("newsmon.alerts")

TOPIC = "captivity"
# Reports are offered to subscribers only while fresh: a subscriber added later, widened
# filters or a reflag that turns on an old article must not mail out the archive's past.
FRESH = timedelta(days=2)


def fresh_reports(archive: Archive, now: datetime, topic: str = TOPIC) -> list[Report]:
    """Flagged articles fetched within FRESH of ``now``, oldest first."""
    if not archive.db["verdicts"].exists():
        return []
    since = (now - FRESH).strftime("%Y-%m-%dT%H:%M:%S")
    sql = """
    select a.id, a.url, a.canonical_url, a.title, a.text, a.source, a.language, a.published,
      a.fetched, a.story_id, v.flag, v.score, v.categories, v.evidence, v.watchlist, v.topic
    from verdicts v join articles a on a.id = v.article_id
    where v.topic = ? and v.flag = 1
      -- ids grow with fetched: the window is an index range on verdicts (see m002)
      and v.article_id >= (select id from articles where fetched >= ? order by fetched limit 1)
    order by a.id
    """
    reports = []
    for row in archive.db.query(sql, (topic, since)):
        reports.append(report_from_rows(row, row))
    return reports


def queue_new_reports(config: Config, archive: Archive, now: datetime, mode: str) -> int:
    """Queue one message per subscriber in ``mode`` (instant after a crawl, digest at its
    hour) with the fresh reports it wants and has not had; return how many were queued."""
    subscribers = [s for s in config.alerts.subscribers if s.mode == mode]
    if not subscribers:
        return 0
    reports = fresh_reports(archive, now)
    queued = 0
    # Instant alerts on a new story wait [alerts] gather for more outlets; a digest
    # already gathers a day.
    gather = config.alerts.gather if mode == "instant" else 0.0
    for subscriber in subscribers:
        kind = "digest" if mode == "digest" else "report"
        if queue_reports(
            archive,
            reports,
            subscriber,
            sender=config.alerts.sender,
            now=now,
            kind=kind,
            gather=gather,
        ):
            queued += 1
    return queued


def health_subscribers(config: Config) -> list[SubscriberConfig]:
    """Who hears about sources failing: the [alerts] subscriber (the operator), else all."""
    subscribers = list(config.alerts.subscribers)
    default = [s for s in subscribers if s.name == "default"]
    return default or subscribers


def queue_health_notice(
    config: Config, archive: Archive, subject: str, lines: list[str], now: datetime
) -> None:
    for subscriber in health_subscribers(config):
        queue_notice(
            archive,
            subscriber,
            key=f"health:{now:%Y%m%dT%H%M%S.%f}",
            subject=subject,
            lines=lines,
            sender=config.alerts.sender,
            now=now,
        )


def deliver(config: Config, should_stop: Any = lambda: False) -> Delivery:
    """One delivery round on a connection of its own (run it in a thread)."""
    with Archive(config.storage.path) as archive:
        return deliver_due(
            archive,
            transport_for(config.alerts),
            should_stop=should_stop,
            first_retry=config.alerts.retry,
        )
