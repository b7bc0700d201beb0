"""Alert messages: filters, subject, both parts, highlighting, escaping, stable ids."""

from __future__ import annotations

import re
from dataclasses import replace
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from zoneinfo import ZoneInfo

import pytest

from crawler.alerts import (
    MAX_SENTENCE,
    Evidence,
    compose,
    compose_notice,
    evidence_from_matches,
    format_time,
    message_id,
    pieces,
    report_from_rows,
    select,
)
from crawler.outbox import envelope_of
from tests.alertkit import NOW, SENDER, SENTENCE, SUBSCRIBER, TITLE, report


def roundtrip(message: EmailMessage) -> EmailMessage:
    """The message as a recipient's mail program parses it from the wire bytes."""
    parsed = message_from_bytes(envelope_of(message).data, policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    page = message.get_body(("html",))
    assert text is not None and page is not None
    return text.get_content(), page.get_content()


# --------------------------------------------------------------------------- selection


def test_empty_filters_let_everything_through() -> None:
    reports = [report(1), report(2, language="ru"), report(3, source="x")]
    assert select(reports, SUBSCRIBER) == reports


@pytest.mark.parametrize(
    ("filters", "wanted"),
    [
        ({"languages": ("ru",)}, [2]),
        ({"languages": ("uk", "en")}, [1, 3, 4]),
        ({"sources": ("suspilne-uk",)}, [3]),
        ({"categories": ("political_prisoner",)}, [4]),
        ({"categories": ("exchange", "political_prisoner")}, [1, 2, 3, 4]),
        ({"watchlist_only": True}, [4]),
        ({"languages": ("uk",), "categories": ("pow",)}, [1, 3]),
    ],
)
def test_subscriber_filters(filters: dict[str, object], wanted: list[int]) -> None:
    reports = [
        report(1),
        report(2, language="ru"),
        report(3, source="suspilne-uk"),
        report(4, language="en", categories=("political_prisoner",), watchlist=("Ivan Petrenko",)),
    ]
    subscriber = replace(SUBSCRIBER, **filters)
    assert [r.article_id for r in select(reports, subscriber)] == wanted


# --------------------------------------------------------------------------- the message


def test_subject_counts_reports_and_names_the_top_headline() -> None:
    reports = [report(1, title="Інша новина про обмін", score=0.7), report(2, score=2.0), report(3)]
    message = roundtrip(compose(reports, SUBSCRIBER, "k", sender=SENDER, now=NOW))
    assert message["Subject"] == f"3 captivity reports: {TITLE}"
    one = roundtrip(compose([report(1)], SUBSCRIBER, "k", sender=SENDER, now=NOW))
    assert one["Subject"] == f"1 captivity report: {TITLE}"


def test_ukrainian_subject_is_encoded_and_decodes_back() -> None:
    data = envelope_of(compose([report()], SUBSCRIBER, "k", sender=SENDER, now=NOW)).data
    header = data.split(b"\r\n\r\n", 1)[0]
    assert header.isascii()  # RFC 2047 encoded words on the wire
    assert b"=?utf-8?" in header
    assert roundtrip(compose([report()], SUBSCRIBER, "k", sender=SENDER, now=NOW))[
        "Subject"
    ].endswith(TITLE)


def test_digest_subject_says_digest_and_the_local_date() -> None:
    message = compose([report()], SUBSCRIBER, "k", sender=SENDER, now=NOW, kind="digest")
    assert message["Subject"] == f"1 captivity report (digest 2026-11-20): {TITLE}"
    assert message["X-Newsmon-Kind"] == "digest"


def test_headers() -> None:
    subscriber = replace(SUBSCRIBER, to=("a@example.org", "B <b@example.org>"))
    message = roundtrip(compose([report(7)], subscriber, "k", sender=SENDER, now=NOW))
    assert message["From"] == SENDER
    assert message["To"] == "a@example.org, B <b@example.org>"
    assert message["Date"] == "Fri, 20 Nov 2026 10:30:00 +0200"  # Kyiv time
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Newsmon-Subscriber"] == "default"
    assert message["X-Newsmon-Articles"] == "7"
    assert message.get_content_type() == "multipart/alternative"
    assert envelope_of(message).recipients == ("a@example.org", "b@example.org")
    assert envelope_of(message).sender == "newsmon@example.org"


def test_message_id_is_stable_per_key() -> None:
    first = compose([report()], SUBSCRIBER, "default:report:1", sender=SENDER, now=NOW)
    again = compose([report()], SUBSCRIBER, "default:report:1", sender=SENDER, now=NOW)
    other = compose([report()], SUBSCRIBER, "default:report:2", sender=SENDER, now=NOW)
    assert first["Message-ID"] == again["Message-ID"] == message_id("default:report:1", SENDER)
    assert first["Message-ID"] != other["Message-ID"]
    assert re.fullmatch(r"<[0-9a-f]{32}@example\.org>", first["Message-ID"])


def test_each_report_shows_its_facts_in_both_parts() -> None:
    item = report(watchlist=("Максим Буткевич",))
    text, page = parts(roundtrip(compose([item], SUBSCRIBER, "k", sender=SENDER, now=NOW)))
    for part in (text, page):
        assert TITLE in part
        assert "unian-uk" in part
        assert "2026-11-20 10:15 EET" in part  # published, in the reader's zone
        assert "uk" in part
        assert "pow, exchange" in part
        assert "Максим Буткевич" in part
        assert "https://example.ua/news/1.html" in part
    assert "з *полону* 95 захисників" in text
    assert "з <mark>полону</mark> 95 захисників" in page
    assert '<a href="https://example.ua/news/1.html">' in page


def test_publication_time_in_the_subscribers_zone() -> None:
    subscriber = replace(SUBSCRIBER, timezone="America/New_York")
    text, _ = parts(compose([report()], subscriber, "k", sender=SENDER, now=NOW))
    assert "Published: 2026-11-20 03:15 EST" in text


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2026-06-01T09:00:00Z", "2026-06-01 12:00 EEST"),
        ("2026-06-01", "2026-06-01"),
        ("2026-06-01T09:00:00", "2026-06-01 09:00"),  # no zone given: shown as given
        ("yesterday", "yesterday"),
        (None, ""),
    ],
)
def test_format_time(value: str | None, shown: str) -> None:
    assert format_time(value, ZoneInfo("Europe/Kyiv")) == shown


def test_without_publication_time_the_fetch_time_is_shown() -> None:
    text, _ = parts(compose([report(published=None)], SUBSCRIBER, "k", sender=SENDER, now=NOW))
    assert "Found: 2026-11-20 10:20 EET" in text


def test_everything_from_the_page_is_escaped_in_html() -> None:
    hostile = report(
        title='<script>alert("t")</script> & <b>bold</b>',
        url="javascript:alert(document.cookie)",
        source="unian-uk",
        evidence=(Evidence('<img src=x onerror="alert(1)"> полону <script>', ((31, 37),)),),
        watchlist=("<i>name</i>",),
    )
    _, page = parts(roundtrip(compose([hostile], SUBSCRIBER, "k", sender=SENDER, now=NOW)))
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "<i>" not in page
    assert all(link.startswith("https://") for link in re.findall(r'href="([^"]*)"', page))
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; <mark>полону</mark>" in page
    assert "javascript:alert(document.cookie)" in page  # shown as text, not as a link
    assert 'href="javascript' not in page


def test_a_quote_in_a_url_cannot_leave_the_href() -> None:
    item = report(url='https://example.ua/a"onmouseover="alert(1)')
    _, page = parts(compose([item], SUBSCRIBER, "k", sender=SENDER, now=NOW))
    assert 'href="https://example.ua/a&quot;onmouseover=&quot;alert(1)"' in page
    assert '"onmouseover="' not in page


def test_a_line_break_in_a_title_does_not_reach_the_headers() -> None:
    item = report(title="Полонені\r\nBcc: victim@example.org\nповернулися")
    message = roundtrip(compose([item], SUBSCRIBER, "k", sender=SENDER, now=NOW))
    assert message["Bcc"] is None
    assert message["Subject"] == "1 captivity report: Полонені Bcc: victim@example.org повернулися"


def test_an_alert_needs_a_report() -> None:
    with pytest.raises(ValueError, match="at least one report"):
        compose([], SUBSCRIBER, "k", sender=SENDER, now=NOW)


def test_watchlist_hits_come_first() -> None:
    reports = [report(1, score=5.0), report(2, title="Про Буткевича", watchlist=("Буткевич",))]
    message = compose(reports, SUBSCRIBER, "k", sender=SENDER, now=NOW)
    assert message["Subject"] == "2 captivity reports: Про Буткевича"
    assert message["X-Newsmon-Articles"] == "2,1"


def test_notice() -> None:
    lines = ["Source unian-uk answers 403 since 2026-11-20 06:00.", "<not html>"]
    message = roundtrip(
        compose_notice("Source blocked: unian-uk", lines, SUBSCRIBER, "h", sender=SENDER, now=NOW)
    )
    text, page = parts(message)
    assert message["Subject"] == "Source blocked: unian-uk"
    assert message["X-Newsmon-Kind"] == "health"
    assert text.startswith(lines[0])
    assert "<p>&lt;not html&gt;</p>" in page


# --------------------------------------------------------------------------- evidence


def test_pieces_mark_merged_spans() -> None:
    evidence = Evidence("abc def ghi", ((4, 7), (5, 7), (8, 11)))
    assert list(pieces(evidence)) == [("abc ", False), ("def", True), (" ", False), ("ghi", True)]


def test_a_long_sentence_is_cut_around_the_match() -> None:
    sentence = "а" * 1000 + " полону " + "б" * 1000
    evidence = Evidence(sentence, ((1001, 1007),))
    cut = list(pieces(evidence))
    whole = "".join(part for part, _ in cut)
    assert len(whole) <= MAX_SENTENCE + 2
    assert whole.startswith("…") and whole.endswith("…")
    assert ("полону", True) in cut


def test_evidence_from_matches_turns_field_offsets_into_sentence_offsets() -> None:
    text = "Перше речення. " + SENTENCE + " Третє."
    at = text.index("полону")
    matches = [
        {"term": "полону", "sentence": SENTENCE, "start": at, "end": at + 6, "field": "text"},
        {"term": "захисників", "sentence": SENTENCE, "start": at + 10, "end": at + 20},
        {"term": "полону", "sentence": TITLE, "start": 20, "end": 26, "field": "title"},
    ]
    found = evidence_from_matches(matches, TITLE, text)
    assert found == (
        Evidence(TITLE, ((20, 26),), "title"),
        Evidence(SENTENCE, ((20, 26), (30, 40)), "text"),
    )


def test_evidence_with_stale_offsets_falls_back_on_the_term() -> None:
    matches = [{"term": "полону", "sentence": SENTENCE, "start": 999, "end": 1005}]
    assert evidence_from_matches(matches, "", "") == (Evidence(SENTENCE, ((20, 26),), "text"),)


def test_report_from_rows() -> None:
    text = "Вступ. " + SENTENCE
    at = text.index("полону")
    article = {
        "id": 5,
        "url": "https://example.ua/news/5.html?utm_source=x",
        "canonical_url": "https://example.ua/news/5.html",
        "source": "unian-uk",
        "title": TITLE,
        "text": text,
        "language": "uk",
        "published": "2026-11-20T10:15:00+02:00",
        "fetched": "2026-11-20T08:20:00+00:00",
    }
    verdict = {
        "article_id": 5,
        "topic": "captivity",
        "flag": 1,
        "score": 1.5,
        "categories": '["pow"]',
        "evidence": '[{"term": "полону", "category": "pow", "sentence": "'
        + SENTENCE
        + f'", "start": {at}, "end": {at + 6}, "field": "text", "entry": "полон"}}]',
        "watchlist": "[]",
    }
    made = report_from_rows(article, verdict)
    assert made.article_id == 5
    assert made.url == "https://example.ua/news/5.html"
    assert made.categories == ("pow",)
    assert made.evidence == (Evidence(SENTENCE, ((20, 26),), "text"),)
    assert made.score == 1.5 and made.watchlist == ()


# --------------------------------------------------------------------------- stories


def test_a_story_is_told_once_with_its_first_report_in_full() -> None:
    first = report(1, story_id=1, source="ukrinform-uk")
    ru = report(3, story_id=1, source="interfax-ru", language="ru", title="Украина вернула 95")
    copy = report(2, story_id=1, source="regional", url="https://regional.ua/2")
    other = report(4, title="Суд у Харкові", score=0.6)
    message = roundtrip(compose([ru, other, copy, first], SUBSCRIBER, "k", sender=SENDER, now=NOW))
    assert message["Subject"] == f"2 captivity reports: {TITLE} (3 outlets)"
    assert message["X-Newsmon-Articles"] == "1,2,3,4"
    text, page = parts(message)
    assert text.count("  > ") == 2  # evidence: once for the story, once for the other
    also = text.split("Also reported by:")[1].split("Суд у Харкові")[0]
    assert "regional · uk: " + TITLE in also and "https://regional.ua/2" in also
    assert "interfax-ru · ru: Украина вернула 95" in also
    assert text.index("regional") < text.index("interfax-ru")  # in the order found
    assert page.count("<mark>") == 2  # the story's lead and the other story
    assert '<div class="also"><p>Also reported by:</p>' in page
    assert '<a href="https://regional.ua/2">' in page


def test_a_lead_can_be_chosen_within_its_story() -> None:
    reports = [report(1, story_id=1), report(2, story_id=1, title="Нове: імена звільнених")]
    message = compose(reports, SUBSCRIBER, "k", sender=SENDER, now=NOW, leads=[2])
    text, _ = parts(roundtrip(message))
    assert text.split("\n\n")[1].startswith("Нове: імена звільнених")
    assert "Also reported by:\n  - unian-uk · uk: " + TITLE in text
