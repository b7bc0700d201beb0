"""The outbox: alerts are queued in the archive, then delivered until a server accepts them.

Queuing a message and marking its articles as alerted is one transaction, so a report is
queued for a subscriber once, ever.  Delivery marks a message sent only after the server
accepted it; a refused or unreachable server means a retry with backoff, never a loss.
The transport (SMTP or a folder, crawler/mailer.py) is passed in.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import getaddresses, parseaddr
from typing import Protocol

from crawler.alerts import Report, compose, compose_notice, select
from crawler.config import SubscriberConfig
from crawler.errors import DeliveryError
from storage.db import Archive, OutboxEntry
from storage.stories import alerted_marks

log = logging.getLogger(__name__)

FIRST_RETRY = 60.0  # seconds after the first failure; doubled each time ...
MAX_RETRY = 3600.0  # ... up to an hour, and never given up while the failure is transient
BATCH = 50  # messages read from the outbox at a time (their bytes are held in memory)


@dataclass(frozen=True)
class Envelope:
    """What a transport needs: SMTP envelope and the message's exact bytes."""

    sender: str
    recipients: tuple[str, ...]
    data: bytes
    message_id: str


@dataclass(frozen=True)
class Receipt:
    """Where a message went; ``refused`` names recipients refused while others accepted."""

    where: str
    refused: tuple[str, ...] = ()


class Session(Protocol):
    def send(self, envelope: Envelope) -> Receipt:
        """Hand over one message; raise DeliveryError if it was not accepted."""
        ...


class Transport(Protocol):
    description: str

    def session(self) -> AbstractContextManager[Session]:
        """Connect (and log in); raise DeliveryError if the route is unusable."""
        ...


@dataclass
class Delivery:
    """What one delivery round did."""

    sent: int = 0
    retrying: int = 0  # transient failures, tried again later
    failed: int = 0  # permanent refusals, kept in the outbox and reported
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int, first: float = FIRST_RETRY) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: 1 min doubling to 1 h."""
    return min(first * 2 ** max(attempts - 1, 0), MAX_RETRY)


def iso(moment: datetime) -> str:
    """The archive's timestamp format: ISO 8601 UTC, to the second."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- queuing


def envelope_of(message: EmailMessage) -> Envelope:
    """The envelope and bytes of a composed message (CRLF line ends, as SMTP wants)."""
    recipients = tuple(addr for _, addr in getaddresses(message.get_all("To", [])) if addr)
    return Envelope(
        sender=parseaddr(str(message["From"]))[1],
        recipients=recipients,
        data=message.as_bytes(policy=SMTP),
        message_id=str(message["Message-ID"]),
    )


def queue(
    archive: Archive,
    message: EmailMessage,
    *,
    key: str,
    subscriber: str,
    kind: str,
    article_ids: Sequence[int] = (),
    now: datetime,
) -> int | None:
    """Queue a composed message under ``key``; None if the key or an article was queued."""
    envelope = envelope_of(message)
    return archive.queue_message(
        key=key,
        subscriber=subscriber,
        kind=kind,
        subject=str(message["Subject"]),
        message_id=envelope.message_id,
        sender=envelope.sender,
        recipients=envelope.recipients,
        message=envelope.data,
        article_ids=article_ids,
        now=iso(now),
    )


def queue_reports(
    archive: Archive,
    reports: Sequence[Report],
    subscriber: SubscriberConfig,
    *,
    sender: str,
    now: datetime,
    kind: str = "report",
    gather: float = 0.0,
) -> int | None:
    """Queue one alert of the stories this subscriber wants and has not been told yet.

    ``kind`` "report" (instant mode: one message per crawl cycle) or "digest" (one per
    day: the key holds the subscriber's local date, so a second digest that day is not
    queued).  A story is told once, with every outlet that reported it by then; a later
    report of it comes again only when it brings a category or a watchlist name the
    subscriber was not told of for this story.  A new story waits until its first report
    is ``gather`` seconds old, so that more outlets can join it (the daemon passes
    ``[alerts] gather`` for instant alerts).  Returns the outbox id, or None when there
    is nothing to send.
    """
    wanted = select(reports, subscriber)
    done = archive.alerted(subscriber.name, [r.article_id for r in wanted])
    fresh = [r for r in wanted if r.article_id not in done]
    if not fresh:
        return None
    chosen, leads = _news(archive, fresh, subscriber, now, gather)
    if not chosen:
        return None
    ids = sorted({r.article_id for r in chosen})
    key = report_key(subscriber, ids, kind, now)
    message = compose(chosen, subscriber, key, sender=sender, now=now, kind=kind, leads=leads)
    return queue(
        archive, message, key=key, subscriber=subscriber.name, kind=kind, article_ids=ids, now=now
    )


def _news(
    archive: Archive,
    fresh: Sequence[Report],
    subscriber: SubscriberConfig,
    now: datetime,
    gather: float,
) -> tuple[list[Report], list[int]]:
    """Of reports not yet alerted, those to send now, and the ones that lead their story
    (the report that brings something new to a story already told)."""
    by_story: dict[int, list[Report]] = {}
    for report in fresh:
        by_story.setdefault(report.story, []).append(report)
    topic = fresh[0].topic
    told = alerted_marks(archive, subscriber.name, [s for s in by_story if s > 0], topic)
    chosen: list[Report] = []
    leads: list[int] = []
    for story, members in by_story.items():
        if story not in told:
            if _gathered(members, now, gather):
                chosen += members
            continue
        categories, names = told[story]
        novel = [r for r in members if set(r.categories) - categories or set(r.watchlist) - names]
        if novel:
            chosen += members
            leads.append(min(r.article_id for r in novel))
    return chosen, leads


def _gathered(members: Sequence[Report], now: datetime, gather: float) -> bool:
    """Whether a new story's first report has waited ``gather`` seconds for others."""
    if gather <= 0:
        return True
    first = min((r.fetched for r in members if r.fetched), default=None)
    if first is None:
        return True
    try:
        found = datetime.fromisoformat(first)
    except ValueError:
        return True
    found = found if found.tzinfo else found.replace(tzinfo=UTC)
    return (now - found).total_seconds() >= gather


def report_key(
    subscriber: SubscriberConfig, article_ids: Sequence[int], kind: str, now: datetime
) -> str:
    """The outbox key: what a message covers, unique per subscriber."""
    if kind == "digest":
        return f"{subscriber.name}:digest:{now.astimezone(subscriber.zone):%Y-%m-%d}"
    digest = hashlib.sha256(",".join(map(str, article_ids)).encode()).hexdigest()[:16]
    return f"{subscriber.name}:report:{article_ids[0]}-{article_ids[-1]}:{digest}"


def queue_notice(
    archive: Archive,
    subscriber: SubscriberConfig,
    *,
    key: str,
    subject: str,
    lines: Sequence[str],
    sender: str,
    now: datetime,
) -> int | None:
    """Queue a health notice once per ``key`` (e.g. "ops:health:unian-uk:blocked:<since>")."""
    full_key = f"{subscriber.name}:{key}"
    message = compose_notice(subject, lines, subscriber, full_key, sender=sender, now=now)
    return queue(archive, message, key=full_key, subscriber=subscriber.name, kind="health", now=now)


# --------------------------------------------------------------------------- delivery


def deliver_due(
    archive: Archive,
    transport: Transport,
    now: datetime | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    first_retry: float = FIRST_RETRY,
) -> Delivery:
    """Send every message whose time has come, over one connection; record each outcome.

    At least once, with a stable Message-ID: a message is marked sent only after the
    server accepted it, so a crash between the two sends it again on the next round, with
    the same Message-ID and bytes.  That window is as small as SMTP allows; recipients'
    mail programs can recognise the copy by its Message-ID.
    """
    now = now or datetime.now(UTC)
    result = Delivery()
    pending = archive.due_messages(iso(now), BATCH)
    if not pending:
        return result
    try:
        with transport.session() as session:
            while pending and not should_stop():
                entry, data = pending.pop(0)
                _deliver_one(archive, session, entry, data, now, result, first_retry)
                if not pending:
                    # Each message handled is no longer due (sent, failed, or retried
                    # later), so this ends once the backlog is through.
                    pending = archive.due_messages(iso(now), BATCH)
    except DeliveryError as e:
        # The route itself failed (no connection, TLS, login): no message was at fault.
        for entry, _ in pending:
            _record_failure(archive, entry, e, now, result, first_retry)
    return result


def _deliver_one(
    archive: Archive,
    session: Session,
    entry: OutboxEntry,
    data: bytes,
    now: datetime,
    result: Delivery,
    first_retry: float,
) -> None:
    envelope = Envelope(entry.sender, entry.recipients, data, entry.message_id)
    try:
        receipt = session.send(envelope)
    except DeliveryError as e:
        _record_failure(archive, entry, e, now, result, first_retry)
        return
    # A crash right here re-sends this message once, with the same Message-ID.
    note = f"refused: {'; '.join(receipt.refused)}" if receipt.refused else None
    archive.mark_sent(entry.id, iso(now), note)
    result.sent += 1
    log.info("alert %s (%s) delivered to %s", entry.id, entry.subject, receipt.where)
    if note:
        log.warning("alert %s: some recipients were %s", entry.id, note)


def _record_failure(
    archive: Archive,
    entry: OutboxEntry,
    error: DeliveryError,
    now: datetime,
    result: Delivery,
    first_retry: float = FIRST_RETRY,
) -> None:
    result.errors.append(f"alert {entry.id}: {error}")
    if error.transient:
        retry = now + timedelta(seconds=backoff(entry.attempts + 1, first_retry))
        archive.mark_failed(entry.id, str(error), iso(retry), iso(now))
        result.retrying += 1
        log.warning("alert %s not delivered, retrying at %s: %s", entry.id, iso(retry), error)
    else:
        archive.mark_failed(entry.id, str(error), None, iso(now))
        result.failed += 1
        log.error("alert %s refused for good (kept in the outbox): %s", entry.id, error)
