"""A small archive of hand-written articles and verdicts for the search tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.process import content_hash
from storage.db import Archive, ArticleRow, VerdictRow

NOW = datetime.now(UTC).replace(microsecond=0)
WATCHED = "Олександр Шумков"


def _ago(hours: float) -> str:
    return (NOW - timedelta(hours=hours)).isoformat()


# (key, source, language, published, title, text, verdict or None)
# A verdict: (categories, watchlist, evidence terms as (field, term)).
ARTICLES: list[tuple[Any, ...]] = [
    (
        "economy",
        "unian-uk",
        "uk",
        "2024-01-10T09:00:00+02:00",
        "Гривня зміцнилася",
        "Національний банк повідомив про зміцнення гривні.",
        None,
    ),
    (
        "exchange",
        "unian-uk",
        "uk",
        "2026-11-20T10:00:00+02:00",
        "Україна повернула з полону 95 військовополонених",
        "Сьогодні відбувся обмін полоненими. Серед звільнених — Олександр Шумков.\n"
        "Омбудсман розповів, що обмін готували кілька місяців.",
        (("exchange", "pow"), (WATCHED,), (("title", "полону"), ("text", "обмін полоненими"))),
    ),
    (
        "ru-exchange",
        "interfax-ru",
        "ru",
        "2026-11-20T12:00:00+03:00",
        "Обмен пленными состоялся",
        "Россия и Украина провели обмен военнопленными. Освобождены 95 пленных.",
        (("exchange",), (), (("title", "Обмен пленными"),)),
    ),
    (
        "copy",
        "ukrinform-uk",
        "uk",
        "2026-11-20T11:00:00+02:00",
        "Обмін: додому повернулися 95 захисників",
        # the same words as "exchange": stored as its copy
        "Сьогодні відбувся обмін полоненими. Серед звільнених — Олександр Шумков.\n"
        "Омбудсман розповів, що обмін готували кілька місяців.",
        (("exchange", "pow"), (WATCHED,), (("text", "обмін полоненими"),)),
    ),
    (
        "torture",
        "suspilne-uk",
        "uk",
        "2026-11-21T09:30:00+02:00",
        "Звільнені розповіли про катування",
        "Полонених тримали в підвалі й катували. Після обміну полонених лікарі оглянули всіх.",
        (("torture", "pow"), (), (("text", "катували"),)),
    ),
    (
        "en-pow",
        "kyivindependent-en",
        "en",
        "2026-11-21T08:00:00+00:00",
        "Ukraine brings home 95 prisoners of war",
        "The prisoners were swapped on Monday, the ombudsman said.",
        (("exchange", "pow"), (), (("title", "prisoners of war"),)),
    ),
    (
        "football",
        "unian-uk",
        "uk",
        "2026-11-22T18:00:00+02:00",
        "Футбол: клуби домовилися про обмін гравцями",
        "Полонені емоціями вболівальники аплодували. Обмін гравцями завершено.",
        None,
    ),
    (
        "apostrophe",
        "suspilne-uk",
        "uk",
        None,  # no publication time: found by when it was fetched (3 hours ago)
        "Політвʼязнів із Криму досі не звільнили",
        "Кримських політв'язнів тримають у СІЗО. Родини політв’язнів просять допомоги.",
        (("political_prisoner",), (), (("text", "політв'язнів"),)),
    ),
    (
        "recent",
        "rubryka-uk",
        "uk",
        "recent",
        "Заручників повернули додому",
        "Цивільних заручників звільнили з полону. Громада зустріла їх на вокзалі.",
        (("civilian_hostage",), (), (("text", "заручників"),)),
    ),
]


def fill(path: Path, *, store: bool = True) -> dict[str, int]:
    """Write the fixture articles into a new archive at ``path``; their ids by key."""
    ids: dict[str, int] = {}
    fetched = datetime(2000, 1, 1, tzinfo=UTC)
    with Archive(path) as archive:
        for key, source, lang, published, title, text, verdict in ARTICLES:
            if published == "recent":
                published = _ago(hours=2)
            # Fetched an hour after publication; ids grow with fetched, as in a crawl.
            seen = datetime.fromisoformat(published or _ago(hours=4)) + timedelta(hours=1)
            fetched = max(seen.astimezone(UTC), fetched + timedelta(minutes=1))
            row = ArticleRow(
                url=f"https://{source}.example/{key}?utm_source=x",
                canonical_url=f"https://{source}.example/{key}",
                source=source,
                title=title,
                text=text,
                content_hash=content_hash(text),
                language=lang,
                language_score=0.99,
                published=published,
                fetched=fetched.isoformat(),
            )
            verdicts = [_verdict(title, text, verdict)] if verdict else [_verdict(title, text)]
            ids[key] = archive.store(row, verdicts=verdicts).article_id
    return ids


def _verdict(title: str, text: str, spec: tuple[Any, ...] | None = None) -> VerdictRow:
    if spec is None:
        return VerdictRow("captivity", False, 0.05, (), (), (), "test")
    categories, watchlist, terms = spec
    evidence = []
    for field, term in terms:
        body = title if field == "title" else text
        start = body.lower().index(term.lower())
        evidence.append(
            {
                "term": term,
                "category": categories[0],
                "sentence": body,
                "start": start,
                "end": start + len(term),
                "field": field,
                "entry": term,
            }
        )
    return VerdictRow("captivity", True, 0.9, categories, tuple(evidence), watchlist, "test")
