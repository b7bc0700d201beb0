"""Classify articles with the configured topics and watchlist, for the crawl, the CLI and reflag.

The bridge between config.toml, the pure classifier (crawler/topics.py) and the archive.
A ``Flagger`` is plain, picklable data (topic names, the config's vocabulary changes as
JSON, watchlist names): it travels to worker processes, which compile it once and keep
the compiled topics in a cache.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from typing import Any

from crawler.config import Config
from crawler.errors import ConfigError
from crawler.topics import Topic, Verdict, Watchlist, classify, load_topic
from storage.db import VerdictRow, utc_now


@dataclass(frozen=True)
class TopicSpec:
    """One topic as configured: its name, the config's changes (canonical JSON), its hash."""

    name: str
    extra: str  # JSON object merged over the packaged vocabulary; "{}" for none
    vocabulary: str  # short hash of everything the verdicts depend on (see vocabulary_hash)


@dataclass(frozen=True)
class Flagger:
    """What every article is classified for: the enabled topics and the watchlist."""

    topics: tuple[TopicSpec, ...]
    people: tuple[str, ...] = ()
    where: str = "config"  # the config file, for error messages

    @classmethod
    def from_config(cls, config: Config) -> Flagger:
        people = config.watchlist.people
        specs = []
        for name in config.topics.enabled:
            extra = config.topics.vocabulary.get(name, {})
            specs.append(TopicSpec(name, _canonical(extra), vocabulary_hash(name, extra, people)))
        return cls(tuple(specs), people, str(config.path or "config"))

    def only(self, name: str | None) -> Flagger:
        """This flagger reduced to the topic ``name`` (all topics for None)."""
        if name is None:
            return self
        chosen = tuple(t for t in self.topics if t.name == name)
        if not chosen:
            known = ", ".join(t.name for t in self.topics) or "none"
            raise ConfigError(
                f"topic {name!r} is not enabled",
                hint=f"enabled topics: {known} (topics.enabled in the config)",
            )
        return Flagger(chosen, self.people, self.where)

    def prepare(self) -> None:
        """Compile every topic now (0.3 s each); raise ConfigError if a vocabulary is bad."""
        for spec in self.topics:
            self._topic(spec)
        _watchlist(self.people)

    def classify(self, title: str, text: str, language: str) -> dict[str, Verdict]:
        """The verdict of every topic on one article, by topic name."""
        watchlist = _watchlist(self.people)
        return {
            spec.name: classify(title, text, language, self._topic(spec), watchlist)
            for spec in self.topics
        }

    def rows(self, title: str, text: str, language: str) -> tuple[VerdictRow, ...]:
        """The verdicts of one article as the archive stores them."""
        verdicts = self.classify(title, text, language)
        now = utc_now()
        return tuple(
            verdict_row(spec.name, verdicts[spec.name], spec.vocabulary, now)
            for spec in self.topics
        )

    def _topic(self, spec: TopicSpec) -> Topic:
        try:
            return _compiled(spec.name, spec.extra, self.where)
        except ConfigError:
            raise
        except Exception as e:  # the compiler's own complaint, whatever its type
            raise ConfigError(
                f"{self.where}: topics.{spec.name}: the vocabulary does not compile: "
                f"{type(e).__name__}: {e}",
                hint="check the [topics] tables against crawler/vocab/captivity.toml",
            ) from e


def verdict_row(topic: str, verdict: Verdict, vocabulary: str, classified: str) -> VerdictRow:
    return VerdictRow(
        topic=topic,
        flag=verdict.flag,
        score=verdict.score,
        categories=tuple(verdict.categories),
        evidence=tuple(verdict.to_json()["evidence"]),
        watchlist=tuple(verdict.watchlist),
        vocabulary=vocabulary,
        classified=classified,
    )


def vocabulary_hash(name: str, extra: Mapping[str, Any], people: tuple[str, ...]) -> str:
    """A short hash of what a verdict depends on besides the article.

    The packaged vocabulary, the config's changes to it, the watchlist and the classifier's
    code: a new release or an edited config.toml makes stored verdicts stale, and
    ``newsmon reflag`` recomputes exactly those.
    """
    parts = [
        name,
        _packaged_bytes(f"vocab/{name}.toml"),
        _canonical(extra),
        json.dumps(sorted(set(people)), ensure_ascii=False),
        _packaged_bytes("topics.py"),
    ]
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8"))
    return digest.hexdigest()[:12]


@lru_cache(maxsize=8)
def _packaged_bytes(path: str) -> str:
    resource = resources.files("crawler").joinpath(*path.split("/"))
    if not resource.is_file():
        return ""
    return hashlib.sha256(resource.read_bytes()).hexdigest()


def _canonical(extra: Mapping[str, Any]) -> str:
    return json.dumps(extra, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# A worker process compiles each topic once; the cache key is the exact data.
@lru_cache(maxsize=16)
def _compiled(name: str, extra_json: str, where: str) -> Topic:
    extra = json.loads(extra_json)
    topic = load_topic(name, extra or None)
    if not topic.lexicons:
        raise ConfigError(
            f"{where}: topic {name!r} has no vocabulary",
            hint=f"newsmon ships no topic of that name: define it in [topics.{name}.<language>]"
            " tables, or remove it from topics.enabled",
        )
    knobs = {f.name for f in fields(topic.settings)} | {"name"}
    unknown = sorted(set(extra.get("topic", {})) - knobs)
    if unknown:
        raise ConfigError(
            f"{where}: topics.{name}.topic.{unknown[0]}: unknown setting "
            f"(known: {', '.join(sorted(knobs))})"
        )
    return topic


@lru_cache(maxsize=4)
def _watchlist(people: tuple[str, ...]) -> Watchlist:
    return Watchlist.from_names(people)


def marked_sentences(
    verdict: Verdict, fields_text: Mapping[str, str], mark: tuple[str, str] = ("[[", "]]")
) -> Iterator[tuple[str, str, list[str]]]:
    """(field, sentence with every matched term marked, entries) for each evidence sentence."""
    grouped: dict[tuple[str, int], list[Any]] = {}
    for match in verdict.evidence:
        text = fields_text.get(match.field, "")
        start = _sentence_start(text, match.sentence, match.start, match.end)
        grouped.setdefault((match.field, start), []).append(match)
    # Title first, then in reading order.
    for (field, start), matches in sorted(
        grouped.items(), key=lambda g: (g[0][0] != "title", g[0][1])
    ):
        sentence = matches[0].sentence
        marked = sentence
        for a, b in reversed(merged_spans((m.start - start, m.end - start) for m in matches)):
            if 0 <= a <= b <= len(marked):
                marked = marked[:a] + mark[0] + marked[a:b] + mark[1] + marked[b:]
        entries = list(dict.fromkeys(f"{m.category}: {m.entry}" for m in matches))
        yield field, marked, entries


def merged_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans as one (a watchlist name may overlap a term)."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out


def _sentence_start(text: str, sentence: str, start: int, end: int) -> int:
    """Where ``sentence`` (which holds text[start:end]) begins in ``text``."""
    at = text.find(sentence)
    while at != -1:
        if at <= start and end <= at + len(sentence):
            return at
        at = text.find(sentence, at + 1)
    return start - max(sentence.find(text[start:end]), 0)
