"""Pure parsers of discovery endpoints: feeds and sitemaps in, (url, listed time) entries out."""

from __future__ import annotations

import calendar
import io
import xml.sax
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import feedparser
from lxml import etree

from crawler.errors import SourceError


@dataclass(frozen=True)
class Entry:
    """A link found on an endpoint, with the time the endpoint says it was published."""

    url: str
    listed: datetime | None = None
    title: str | None = None


@dataclass(frozen=True)
class Sitemap:
    kind: Literal["urlset", "index"]
    entries: list[Entry]


@dataclass(frozen=True)
class Feed:
    entries: list[Entry]
    problem: str | None  # malformed XML that was read only in part


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> Feed:
    """RSS 0.9x/1.0(RDF)/2.0 or Atom -> entries; raise SourceError when it is no feed at all."""
    headers = {"content-type": content_type} if content_type else None
    # feedparser reads bytes itself so that the XML declaration's encoding wins
    # (windows-1251 feeds exist); it never raises, it sets ``bozo`` instead.
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False)
    error = parsed.get("bozo_exception")
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        raise SourceError(f"{url}: not a readable feed: {error or 'no feed elements'}")
    entries = [entry for item in parsed.entries if (entry := _feed_entry(item)) is not None]
    # Only broken XML is a problem worth counting; feedparser also flags harmless
    # things, such as a feed served as text/html or a wrongly declared charset.
    broken = isinstance(error, xml.sax.SAXException)
    return Feed(entries, f"malformed feed, read in part: {error}" if broken else None)


def _feed_entry(item: Any) -> Entry | None:
    link = item.get("link") or _alternate_link(item) or _permalink_guid(item)
    if not link:
        return None
    when = item.get("published_parsed") or item.get("updated_parsed")
    listed = datetime.fromtimestamp(calendar.timegm(when), UTC) if when else None
    return Entry(url=link.strip(), listed=listed, title=(item.get("title") or None))


def _alternate_link(item: Any) -> str | None:
    for link in item.get("links", ()):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    return None


def _permalink_guid(item: Any) -> str | None:
    guid = item.get("id") or ""
    return guid if item.get("guidislink") and guid.startswith("http") else None


def parse_sitemap(body: bytes, url: str, max_size: int) -> Sitemap:
    """A urlset (news sitemaps included) or a sitemap index, gzipped or not."""
    data = _gunzip(body, max_size) if body[:2] == b"\x1f\x8b" else body
    try:
        events = etree.iterparse(
            io.BytesIO(data),
            events=("end",),
            recover=True,
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            remove_comments=True,
        )
        root_kind: Literal["urlset", "index"] | None = None
        entries: list[Entry] = []
        for _, elem in events:
            name = etree.QName(elem).localname
            if name in ("url", "sitemap"):
                root_kind = "urlset" if name == "url" else "index"
                if (entry := _sitemap_entry(elem)) is not None:
                    entries.append(entry)
                elem.clear()  # keep memory flat on 50,000-URL sitemaps
            elif name in ("urlset", "sitemapindex"):
                root_kind = "urlset" if name == "urlset" else "index"
    except etree.LxmlError as e:
        raise SourceError(f"{url}: not a readable sitemap: {e}") from e
    if root_kind is None:
        raise SourceError(f"{url}: not a sitemap (no <urlset> or <sitemapindex>)")
    return Sitemap(root_kind, entries)


def _sitemap_entry(elem: Any) -> Entry | None:
    fields = dict(_children(elem))
    loc = fields.get("loc")
    if not loc:
        return None
    listed = parse_time(fields.get("publication_date") or fields.get("lastmod"))
    return Entry(url=loc, listed=listed, title=fields.get("title"))


def _children(elem: Any) -> Iterator[tuple[str, str]]:
    for child in elem.iter():
        if child is elem or not isinstance(child.tag, str):
            continue
        text = (child.text or "").strip()
        if text:
            yield etree.QName(child).localname, text


def _gunzip(body: bytes, max_size: int) -> bytes:
    """Decompress at most ``max_size`` bytes: a gzip bomb must not fill the memory."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = decompressor.decompress(body, max_size + 1)
    except zlib.error as e:
        raise SourceError(f"broken gzip data: {e}") from e
    if len(data) > max_size:
        raise SourceError(f"sitemap larger than {max_size} bytes when decompressed")
    return data


def parse_time(value: str | None) -> datetime | None:
    """W3C datetime of sitemaps ('2025-12-09', '2025-12-09T19:34:00+02:00') -> aware UTC."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)
