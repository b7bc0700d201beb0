"""Alert e-mails: which flagged reports a subscriber gets, and the message that tells them.

Plain functions over plain data: no SMTP, no database, no clock (``now`` is passed in).
Everything that comes from a web page (title, sentences, URL) is escaped in the HTML part.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from crawler.config import SubscriberConfig

MAX_SENTENCES = 3  # evidence sentences shown per report
MAX_SENTENCE = 320  # characters of one evidence sentence; longer ones are cut around the match
MAX_SUBJECT_TITLE = 110  # characters of the top headline in the subject


@dataclass(frozen=True)
class Evidence:
    """One sentence of an article with the words that made it a report."""

    sentence: str
    spans: tuple[tuple[int, int], ...]  # [start, end) offsets into ``sentence``
    field: str = "text"  # "title" | "text"


@dataclass(frozen=True)
class Report:
    """A flagged article, as an alert shows it."""

    article_id: int
    url: str
    title: str
    source: str
    language: str
    published: str | None = None  # ISO 8601 as the page gave it
    fetched: str | None = None
    categories: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    watchlist: tuple[str, ...] = ()  # names from the watchlist found in it
    score: float = 0.0
    topic: str = "captivity"
    story_id: int | None = None  # reports of one event share it (None: a story of its own)

    @property
    def story(self) -> int:
        return self.story_id if self.story_id is not None else -self.article_id


@dataclass(frozen=True)
class Story:
    """The reports of one event in one alert: the first (shown in full) and the others."""

    lead: Report
    others: tuple[Report, ...] = ()

    @property
    def reports(self) -> tuple[Report, ...]:
        return (self.lead, *self.others)


# --------------------------------------------------------------------------- from rows


def report_from_rows(article: Mapping[str, Any], verdict: Mapping[str, Any]) -> Report:
    """A Report from an ``articles`` row and its ``verdicts`` row (JSON as text or lists)."""
    title = article.get("title") or ""
    text = article.get("text") or ""
    matches = _json(verdict.get("evidence"))
    return Report(
        article_id=int(article["id"]),
        url=article.get("canonical_url") or article["url"],
        title=title,
        source=article["source"],
        language=article.get("language") or "",
        published=article.get("published"),
        fetched=article.get("fetched"),
        categories=tuple(_json(verdict.get("categories"))),
        evidence=evidence_from_matches(matches, title, text),
        watchlist=tuple(_json(verdict.get("watchlist"))),
        score=float(verdict.get("score") or 0.0),
        topic=verdict.get("topic") or "captivity",
        story_id=article.get("story_id"),
    )


def _json(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(json.loads(value) if isinstance(value, str | bytes) else value)


def evidence_from_matches(
    matches: Iterable[Mapping[str, Any]], title: str, text: str
) -> tuple[Evidence, ...]:
    """Group topic matches ({term, sentence, start, end, field}) into sentences with spans.

    A match's start and end are offsets into its whole field; they are turned into offsets
    into its sentence, so that the matched words can be highlighted there.
    """
    sentences: dict[tuple[str, int, str], list[tuple[int, int]]] = {}
    for m in matches:
        field = m.get("field") or "text"
        sentence = m.get("sentence") or ""
        offset, span = _locate(title if field == "title" else text, m, sentence)
        spans = sentences.setdefault((field, offset, sentence), [])
        if span is not None:
            spans.append(span)
    ordered = sorted(sentences.items(), key=lambda item: (item[0][0] != "title", item[0][1]))
    return tuple(
        Evidence(sentence, tuple(sorted(set(spans))), field)
        for (field, _, sentence), spans in ordered
        if sentence
    )


def _locate(
    field_text: str, match: Mapping[str, Any], sentence: str
) -> tuple[int, tuple[int, int] | None]:
    """(offset of the sentence in its field, span of the match in the sentence)."""
    start, end = int(match.get("start") or 0), int(match.get("end") or 0)
    offset = field_text.rfind(sentence, 0, start + len(sentence)) if sentence else -1
    if offset >= 0 and offset <= start and end <= offset + len(sentence) and start < end:
        return offset, (start - offset, end - offset)
    # Offsets that do not fit (text edited since): fall back on finding the term itself.
    term = match.get("term") or ""
    found = sentence.find(term) if term else -1
    return max(offset, 0), ((found, found + len(term)) if found >= 0 else None)


# --------------------------------------------------------------------------- selection


def select(reports: Iterable[Report], subscriber: SubscriberConfig) -> list[Report]:
    """The reports that pass the subscriber's filters (an empty filter passes everything)."""
    return [r for r in reports if _wanted(r, subscriber)]


def _wanted(report: Report, subscriber: SubscriberConfig) -> bool:
    if subscriber.languages and report.language not in subscriber.languages:
        return False
    if subscriber.sources and report.source not in subscriber.sources:
        return False
    if subscriber.categories and not set(report.categories) & set(subscriber.categories):
        return False
    return not (subscriber.watchlist_only and not report.watchlist)


def ranked(reports: Iterable[Report]) -> list[Report]:
    """Watchlist hits first (someone's relative may be named), then by score."""
    return sorted(reports, key=lambda r: (not r.watchlist, -r.score, r.article_id))


def stories(reports: Iterable[Report], leads: Iterable[int] = ()) -> list[Story]:
    """The reports grouped by story, most important story first (as ``ranked``). A story
    is led by its first report (lowest article id) unless one of ``leads`` (article ids)
    is among its reports; the others follow in the order they were found."""
    chosen = set(leads)
    groups: dict[int, list[Report]] = {}
    for report in sorted(reports, key=lambda r: r.article_id):
        groups.setdefault(report.story, []).append(report)
    found = []
    for members in groups.values():
        lead = next((r for r in members if r.article_id in chosen), members[0])
        found.append(Story(lead, tuple(r for r in members if r is not lead)))
    best = {id(story): ranked(story.reports)[0] for story in found}
    order = {r.article_id: i for i, r in enumerate(ranked(best.values()))}
    return sorted(found, key=lambda story: order[best[id(story)].article_id])


# --------------------------------------------------------------------------- messages


def message_id(key: str, sender: str) -> str:
    """The same Message-ID for the same message key, so a re-sent message is recognisable."""
    digest = hashlib.sha256(f"{sender}\n{key}".encode()).hexdigest()[:32]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "newsmon.invalid"
    return f"<{digest}@{domain}>"


def compose(
    reports: Sequence[Report],
    subscriber: SubscriberConfig,
    key: str,
    *,
    sender: str,
    now: datetime,
    kind: str = "report",
    leads: Iterable[int] = (),
) -> EmailMessage:
    """One alert about ``reports`` (kind "report" or "digest"): plain text and HTML.

    Each story is told once: its first report (or the one of ``leads``) in full, then
    "Also reported by" with the source, title and link of each other report.
    """
    if not reports:
        raise ValueError("an alert needs at least one report")
    zone = subscriber.zone
    grouped = stories(reports, leads)
    subject = _subject(grouped, kind, now.astimezone(zone))
    text = "\n\n".join(_story_text(story, zone) for story in grouped)
    body = "".join(_story_html(story, zone) for story in grouped)
    message = _message(subscriber, key, sender, now, subject, kind)
    ids = [r.article_id for story in grouped for r in story.reports]
    message["X-Newsmon-Articles"] = ",".join(map(str, ids))
    message.set_content(f"{subject}\n\n{text}\n\n-- \n{_FOOTER}\n")
    message.add_alternative(_html_page(subject, body), subtype="html")
    return message


def compose_notice(
    subject: str,
    lines: Sequence[str],
    subscriber: SubscriberConfig,
    key: str,
    *,
    sender: str,
    now: datetime,
    kind: str = "health",
) -> EmailMessage:
    """A short notice (a source blocked, failing or recovered; a test): text and HTML."""
    subject = _one_line(subject)
    message = _message(subscriber, key, sender, now, subject, kind)
    message.set_content("\n".join(lines) + f"\n\n-- \n{_FOOTER}\n")
    paragraphs = "".join(f"<p>{_esc(line)}</p>\n" for line in lines)
    message.add_alternative(_html_page(subject, paragraphs), subtype="html")
    return message


_FOOTER = "newsmon: news monitoring for human-rights work"


def _message(
    subscriber: SubscriberConfig, key: str, sender: str, now: datetime, subject: str, kind: str
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(subscriber.to)
    message["Date"] = format_datetime(now.astimezone(subscriber.zone))
    message["Message-ID"] = message_id(key, sender)
    # RFC 3834: keeps vacation auto-replies from answering newsmon.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Newsmon-Kind"] = kind
    message["X-Newsmon-Subscriber"] = subscriber.name
    return message


def _subject(grouped: Sequence[Story], kind: str, local_now: datetime) -> str:
    count = len(grouped)  # a story reported by several outlets counts once
    top = grouped[0]
    what = f"{count} {top.lead.topic} report{'' if count == 1 else 's'}"
    if kind == "digest":
        what += f" (digest {local_now:%Y-%m-%d})"
    outlets = len({r.source for r in top.reports})
    more = f" ({outlets} outlets)" if outlets > 1 else ""
    return f"{what}: {_clip_title(top.lead.title)}{more}"


def _clip_title(title: str) -> str:
    title = _one_line(title) or "(untitled)"
    if len(title) <= MAX_SUBJECT_TITLE:
        return title
    return title[: MAX_SUBJECT_TITLE - 1].rstrip() + "…"


def _one_line(value: str) -> str:
    # A page's title may hold line breaks; in a header they would be an injection.
    return re.sub(r"\s+", " ", value).strip()


# --------------------------------------------------------------------------- one report


def _facts(report: Report, zone: ZoneInfo) -> list[tuple[str, str]]:
    """(label, value) lines shown under the title, all still unescaped."""
    facts = [("Source", report.source)]
    when = format_time(report.published, zone)
    facts.append(("Published", when) if when else ("Found", format_time(report.fetched, zone)))
    facts.append(("Language", report.language or "unknown"))
    if report.categories:
        facts.append(("Categories", ", ".join(report.categories)))
    if report.watchlist:
        facts.append(("Watchlist", ", ".join(report.watchlist)))
    return facts


def _story_text(story: Story, zone: ZoneInfo) -> str:
    text = _report_text(story.lead, zone)
    if story.others:
        text += "\nAlso reported by:"
        for other in story.others:
            title = _one_line(other.title) or "(untitled)"
            text += f"\n  - {_also_facts(other)}: {title}\n    {other.url}"
    return text


def _also_facts(report: Report) -> str:
    return f"{report.source} · {report.language or 'unknown'}"


def _story_html(story: Story, zone: ZoneInfo) -> str:
    lead = _report_html(story.lead, zone)
    if not story.others:
        return lead
    items = ""
    for other in story.others:
        title = _esc(_one_line(other.title) or "(untitled)")
        link = _href(other.url)
        heading = f'<a href="{link}">{title}</a>' if link else f"{title} ({_esc(other.url)})"
        items += f"<li>{heading} · {_esc(_also_facts(other))}</li>\n"
    also = f'<div class="also"><p>Also reported by:</p>\n<ul>\n{items}</ul></div>\n'
    # inside the report's block, after its link
    return lead.removesuffix("</div>\n") + also + "</div>\n"


def _report_text(report: Report, zone: ZoneInfo) -> str:
    lines = [_one_line(report.title) or "(untitled)"]
    lines += [f"{label}: {value}" for label, value in _facts(report, zone)]
    for evidence in report.evidence[:MAX_SENTENCES]:
        marked = "".join(f"*{part}*" if hit else part for part, hit in pieces(evidence))
        lines.append(f"  > {_one_line(marked)}")
    lines.append(report.url)
    return "\n".join(lines)


def _report_html(report: Report, zone: ZoneInfo) -> str:
    title = _esc(_one_line(report.title) or "(untitled)")
    link = _href(report.url)
    heading = f'<a href="{link}">{title}</a>' if link else title
    facts = " · ".join(f"{_esc(label)}: {_esc(value)}" for label, value in _facts(report, zone))
    quotes = "".join(
        "<blockquote>"
        + "".join(f"<mark>{_esc(p)}</mark>" if hit else _esc(p) for p, hit in pieces(evidence))
        + "</blockquote>\n"
        for evidence in report.evidence[:MAX_SENTENCES]
    )
    url = f'<a href="{link}">{_esc(report.url)}</a>' if link else _esc(report.url)
    return (
        f'<div class="report">\n<h2>{heading}</h2>\n<p class="facts">{facts}</p>\n'
        f'{quotes}<p class="link">{url}</p>\n</div>\n'
    )


def _html_page(subject: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{_esc(subject)}</title></head>\n<body>\n{body}"
        f"<hr><p><small>{_esc(_FOOTER)}</small></p>\n</body></html>\n"
    )


def _esc(value: str) -> str:
    return html.escape(value, quote=True)


def _href(url: str) -> str | None:
    """The escaped URL for an href, or None unless it is a plain http(s) link."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return _esc(url.strip())


def format_time(value: str | None, zone: ZoneInfo) -> str:
    """An ISO 8601 time in the reader's zone; a time without zone or a date as given."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if "T" not in value and " " not in value:
        return value  # a date without a time of day
    if moment.tzinfo is None:
        return f"{moment:%Y-%m-%d %H:%M}"
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M %Z}"


def pieces(evidence: Evidence) -> Iterator[tuple[str, bool]]:
    """The sentence (cut to MAX_SENTENCE around the match) as (text, is_match) pieces."""
    sentence, spans = _clip(evidence.sentence, _merged(evidence.spans, len(evidence.sentence)))
    at = 0
    for start, end in spans:
        if start > at:
            yield sentence[at:start], False
        yield sentence[start:end], True
        at = end
    if at < len(sentence):
        yield sentence[at:], False


def _merged(spans: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted((max(0, a), min(b, length)) for a, b in spans):
        if start >= end:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def _clip(sentence: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    if len(sentence) <= MAX_SENTENCE:
        return sentence, spans
    first = spans[0][0] if spans else 0
    start = max(0, min(first - MAX_SENTENCE // 3, len(sentence) - MAX_SENTENCE))
    end = start + MAX_SENTENCE
    head = "…" if start > 0 else ""
    tail = "…" if end < len(sentence) else ""
    shift = len(head) - start
    kept = [(max(a, start) + shift, min(b, end) + shift) for a, b in spans if a < end and b > start]
    return head + sentence[start:end] + tail, kept
