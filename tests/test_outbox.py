"""The outbox in a real archive file: queued once, delivered until accepted, never lost."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.errors import StorageError
from crawler.mailer import FolderTransport, SmtpTransport
from crawler.outbox import BATCH, backoff, deliver_due, iso, queue_notice, queue_reports
from storage.db import Archive
from tests.alertkit import NOW, SENDER, SUBSCRIBER, report, smtp
from tests.smtpkit import SmtpServer, free_port


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive(tmp_path / "newsmon.db") as opened:
        yield opened


def test_reports_are_queued_once_per_subscriber(archive: Archive) -> None:
    first = queue_reports(archive, [report(1), report(2)], SUBSCRIBER, sender=SENDER, now=NOW)
    assert first is not None
    assert (
        queue_reports(archive, [report(1), report(2)], SUBSCRIBER, sender=SENDER, now=NOW) is None
    )
    # a later cycle that finds one more article queues only that one
    later = NOW + timedelta(minutes=10)
    second = queue_reports(archive, [report(2), report(3)], SUBSCRIBER, sender=SENDER, now=later)
    [one, two] = archive.outbox()
    assert (one.id, two.id) == (first, second)
    assert one.article_ids == (1, 2) and two.article_ids == (3,)
    assert one.subject.startswith("2 captivity reports: ")
    assert one.recipients == ("monitor@example.org",) and one.sender == "newsmon@example.org"
    other = replace(SUBSCRIBER, name="families", to=("f@example.org",))
    assert queue_reports(archive, [report(1)], other, sender=SENDER, now=NOW) is not None
    assert archive.alerted("default", [1, 2, 3, 4]) == {1, 2, 3}
    assert archive.alerted("families", [1, 2, 3]) == {1}


def test_filtered_out_reports_are_not_marked(archive: Archive) -> None:
    russian_only = replace(SUBSCRIBER, languages=("ru",))
    assert queue_reports(archive, [report(1)], russian_only, sender=SENDER, now=NOW) is None
    assert archive.alerted("default", [1]) == set()
    assert archive.outbox() == []


def test_one_digest_a_day(archive: Archive) -> None:
    digest = replace(SUBSCRIBER, mode="digest")
    kind = "digest"
    assert queue_reports(archive, [report(1)], digest, sender=SENDER, now=NOW, kind=kind)
    same_day = NOW + timedelta(hours=3)
    assert (
        queue_reports(archive, [report(2)], digest, sender=SENDER, now=same_day, kind=kind) is None
    )
    assert archive.alerted("default", [2]) == set()  # waits for tomorrow's digest
    tomorrow = NOW + timedelta(days=1)
    assert queue_reports(archive, [report(2)], digest, sender=SENDER, now=tomorrow, kind=kind)
    keys = [entry.key for entry in archive.outbox()]
    assert keys == ["default:digest:2026-11-20", "default:digest:2026-11-21"]


def test_queuing_is_atomic_with_the_marks(archive: Archive) -> None:
    queue_reports(archive, [report(1)], SUBSCRIBER, sender=SENDER, now=NOW)
    # A message that would alert article 1 a second time is refused whole.
    outbox_id = archive.queue_message(
        key="default:other",
        subscriber="default",
        kind="report",
        subject="s",
        message_id="<x@example.org>",
        sender="newsmon@example.org",
        recipients=["monitor@example.org"],
        message=b"Subject: s\r\n\r\nbody\r\n",
        article_ids=[5, 1],
    )
    assert outbox_id is None
    assert len(archive.outbox()) == 1
    assert archive.alerted("default", [5]) == set()


def test_a_health_notice_is_queued_once_per_key(archive: Archive) -> None:
    args = {"subject": "Source blocked: unian-uk", "lines": ["403 since 06:00"], "sender": SENDER}
    key = "health:unian-uk:blocked:2026-11-20T06:00"
    assert queue_notice(archive, SUBSCRIBER, key=key, now=NOW, **args)
    assert queue_notice(archive, SUBSCRIBER, key=key, now=NOW, **args) is None
    [entry] = archive.outbox()
    assert (entry.kind, entry.key) == ("health", f"default:{key}")


def test_backoff_doubles_from_a_minute_to_an_hour() -> None:
    assert [backoff(n) for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]


# --------------------------------------------------------------------------- delivery


def test_delivered_messages_are_marked_sent(archive: Archive) -> None:
    queue_reports(archive, [report(1)], SUBSCRIBER, sender=SENDER, now=NOW)
    with SmtpServer() as server:
        result = deliver_due(archive, SmtpTransport(smtp(server.port)), NOW)
        again = deliver_due(archive, SmtpTransport(smtp(server.port)), NOW + timedelta(hours=1))
    assert (result.sent, result.retrying, result.failed) == (1, 0, 0)
    assert again.sent == 0
    assert len(server.received) == 1
    [entry] = archive.outbox(["sent"])
    assert entry.sent == iso(NOW) and entry.attempts == 1 and entry.next_attempt is None
    assert archive.outbox_counts() == {"queued": 0, "failed": 0, "sent": 1}
    assert archive.outbox() == []


def test_an_smtp_outage_delays_but_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "newsmon.db"
    port = free_port()
    transport = SmtpTransport(smtp(port))
    with Archive(db) as archive:
        queue_reports(archive, [report(1)], SUBSCRIBER, sender=SENDER, now=NOW)
        queue_reports(archive, [report(2)], SUBSCRIBER, sender=SENDER, now=NOW)
        down = deliver_due(archive, transport, NOW)
        assert (down.sent, down.retrying, down.failed) == (0, 2, 0)
        assert "Connection refused" in down.errors[0]
        [first, second] = archive.outbox()
        assert first.attempts == 1 and first.next_attempt == iso(NOW + timedelta(minutes=1))
        assert "Connection refused" in (first.last_error or "")
        # not due yet: the server is not even asked
        assert deliver_due(archive, transport, NOW + timedelta(seconds=30)).retrying == 0
        deliver_due(archive, transport, NOW + timedelta(minutes=1))  # second failure
        assert archive.outbox()[0].next_attempt == iso(NOW + timedelta(minutes=3))
    # newsmon restarts; the server is back an hour later
    with Archive(db) as archive, SmtpServer(port=port) as server:
        back = deliver_due(archive, transport, NOW + timedelta(hours=1))
        assert (back.sent, back.retrying) == (2, 0)
        assert deliver_due(archive, transport, NOW + timedelta(hours=2)).sent == 0
    ids = [got.message["Message-ID"] for got in server.received]
    assert ids == [first.message_id, second.message_id]


def test_a_crash_between_send_and_mark_resends_with_the_same_message_id(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue_reports(archive, [report(1)], SUBSCRIBER, sender=SENDER, now=NOW)

    def crash(*args: object) -> None:
        raise StorageError("disk full")

    with SmtpServer() as server:
        transport = SmtpTransport(smtp(server.port))
        with monkeypatch.context() as patch:
            patch.setattr(archive, "mark_sent", crash)
            with pytest.raises(StorageError):
                deliver_due(archive, transport, NOW)
        assert deliver_due(archive, transport, NOW).sent == 1
    first, second = server.received
    assert first.message["Message-ID"] == second.message["Message-ID"]
    assert first.data == second.data


def test_a_permanent_refusal_is_kept_and_reported(archive: Archive) -> None:
    queue_reports(archive, [report(1)], SUBSCRIBER, sender=SENDER, now=NOW)
    queue_reports(archive, [report(2)], SUBSCRIBER, sender=SENDER, now=NOW)
    with SmtpServer() as server:
        transport = SmtpTransport(smtp(server.port))
        server.handler.refuse = "552 5.3.4 Message too big"
        result = deliver_due(archive, transport, NOW)
        assert (result.sent, result.retrying, result.failed) == (0, 0, 2)
        [entry, _] = archive.outbox(["failed"])
        assert entry.state == "failed" and entry.next_attempt is None
        assert "552 5.3.4 Message too big" in (entry.last_error or "")
        assert deliver_due(archive, transport, NOW + timedelta(days=1)).failed == 0
        server.handler.refuse = None
        assert archive.retry_failed(iso(NOW)) == 2
        assert deliver_due(archive, transport, NOW).sent == 2
    assert archive.outbox_counts() == {"queued": 0, "failed": 0, "sent": 2}


def test_one_bad_message_does_not_hold_up_the_others(archive: Archive) -> None:
    queue_reports(archive, [report(1)], SUBSCRIBER, sender=SENDER, now=NOW)
    gone = replace(SUBSCRIBER, name="gone", to=("gone@example.org",))
    queue_reports(archive, [report(1)], gone, sender=SENDER, now=NOW)
    queue_reports(archive, [report(2)], SUBSCRIBER, sender=SENDER, now=NOW)
    with SmtpServer() as server:
        server.handler.refuse_rcpt["gone@example.org"] = "550 5.1.1 No such user"
        result = deliver_due(archive, SmtpTransport(smtp(server.port)), NOW)
    assert (result.sent, result.failed) == (2, 1)
    assert [got.recipients for got in server.received] == [["monitor@example.org"]] * 2


def test_stopping_leaves_the_rest_queued(archive: Archive, tmp_path: Path) -> None:
    for article_id in (1, 2, 3):
        queue_reports(archive, [report(article_id)], SUBSCRIBER, sender=SENDER, now=NOW)
    calls = iter([False, True])
    result = deliver_due(archive, FolderTransport(tmp_path / "alerts"), NOW, lambda: next(calls))
    assert result.sent == 1
    assert [entry.attempts for entry in archive.outbox()] == [0, 0]


def test_the_folder_route_through_the_outbox(archive: Archive, tmp_path: Path) -> None:
    queue_reports(archive, [report(1)], SUBSCRIBER, sender=SENDER, now=NOW)
    result = deliver_due(archive, FolderTransport(tmp_path / "alerts"), NOW)
    assert result.sent == 1
    [path] = (tmp_path / "alerts").iterdir()
    assert path.suffix == ".eml"
    assert archive.outbox(["sent"])[0].message_id.strip("<>") == path.stem


def test_a_backlog_larger_than_a_batch_is_delivered_in_one_round(
    archive: Archive, tmp_path: Path
) -> None:
    for article_id in range(1, BATCH + 12):
        queue_reports(archive, [report(article_id)], SUBSCRIBER, sender=SENDER, now=NOW)
    result = deliver_due(archive, FolderTransport(tmp_path / "alerts"), NOW)
    assert result.sent == BATCH + 11
    assert len(list((tmp_path / "alerts").iterdir())) == BATCH + 11
    assert archive.outbox_counts() == {"queued": 0, "failed": 0, "sent": BATCH + 11}


# --------------------------------------------------------------------------- stories


@pytest.fixture
def stored(archive: Archive) -> Archive:
    """Articles 1-4 in the archive (alerted marks need them): one exchange, told by three
    outlets (1, 2, 3), and article 4 of another story."""
    from tests import storytexts as t
    from tests.test_dedupe import row

    for n, (source, paragraphs, language) in enumerate(
        [
            ("ukrinform-uk", t.EXCHANGE_UK, "uk"),
            ("suspilne-uk", t.EXCHANGE_UK_OWN, "uk"),
            ("interfax-ru", t.EXCHANGE_RU, "ru"),
            ("kyiv-city", t.SHELTER_UK, "uk"),
        ],
        start=1,
    ):
        archive.store(row(n, source, paragraphs, language=language))
    return archive


def _verdicts(archive: Archive, article_id: int, categories: list[str], names: list[str]) -> None:
    from storage.db import VerdictRow

    verdict = VerdictRow("captivity", True, 1.0, tuple(categories), (), tuple(names), "v1")
    archive.save_verdicts([(article_id, verdict)])


def test_a_story_already_told_is_not_told_again_for_another_outlet(stored: Archive) -> None:
    for n in (1, 2, 3):
        _verdicts(stored, n, ["pow", "exchange"], [])
    first = report(1, story_id=1, source="ukrinform-uk")
    assert queue_reports(stored, [first], SUBSCRIBER, sender=SENDER, now=NOW)
    later = NOW + timedelta(minutes=10)
    others = [report(2, story_id=1, source="suspilne-uk"), report(3, story_id=1)]
    assert queue_reports(stored, [first, *others], SUBSCRIBER, sender=SENDER, now=later) is None
    assert stored.alerted("default", [2, 3]) == set()  # not sent, and asked again next time
    # ... until one brings a watchlist name the subscriber was not told of
    named = report(3, story_id=1, source="interfax-ru", watchlist=("Максим Буткевич",))
    again = queue_reports(stored, [first, others[0], named], SUBSCRIBER, sender=SENDER, now=later)
    assert again is not None
    [_, update] = stored.outbox()
    assert update.article_ids == (2, 3)
    assert update.subject.endswith("(2 outlets)")


def test_a_new_category_tells_the_story_again(stored: Archive) -> None:
    _verdicts(stored, 1, ["pow", "exchange"], [])
    queue_reports(stored, [report(1, story_id=1)], SUBSCRIBER, sender=SENDER, now=NOW)
    torture = report(2, story_id=1, categories=("pow", "torture"))
    assert queue_reports(stored, [torture], SUBSCRIBER, sender=SENDER, now=NOW)
    same = report(3, story_id=1, categories=("exchange",))
    assert queue_reports(stored, [same], SUBSCRIBER, sender=SENDER, now=NOW) is None


def test_a_new_story_waits_gather_seconds_for_more_outlets(stored: Archive) -> None:
    fetched = NOW.isoformat()
    first = report(1, story_id=1, fetched=fetched)
    soon = NOW + timedelta(seconds=30)
    assert queue_reports(stored, [first], SUBSCRIBER, sender=SENDER, now=soon, gather=60) is None
    assert stored.alerted("default", [1]) == set()
    late = NOW + timedelta(seconds=61)
    both = [first, report(2, story_id=1, source="suspilne-uk", fetched=fetched)]
    assert queue_reports(stored, both, SUBSCRIBER, sender=SENDER, now=late, gather=60)
    [entry] = stored.outbox()
    assert entry.article_ids == (1, 2)
