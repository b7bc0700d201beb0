"""Turn the raw bytes of a fetched page into an article, or a reason to skip it."""

import codecs
import copy
import functools
import json
import logging
import re
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import htmldate.extractors
import trafilatura
import trafilatura.utils
from dateparser import DateDataParser
from htmldate import find_date
from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction

# The steps of trafilatura.extract_metadata, called one by one here so that its two costly
# ones can be bounded (see _metadata and _published).
from trafilatura.metadata import (
    examine_meta,
    extract_author,
    extract_catstags,
    extract_meta_json,
    extract_sitename,
    extract_title,
)
from trafilatura.settings import Document
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    to_unicode,
)

from crawler.boilerplate import (
    Dropped,
    SiteRules,
    apply_site_rules,
    clean_lines,
    clean_tree,
    drop_rubrics,
    link_texts,
    open_bare_divs,
    shield_body,
    unwrap_layout_tables,
)
from crawler.template import PageBlocks, drop_template, page_blocks

log = logging.getLogger(__name__)

# lxml.html picks each element's Python class in a Python callback (FormElement for a
# <form>, InputElement for an <input>, …), run every time Python code touches an element:
# ~3,600 times a page in trafilatura and here, 8 % of the extraction time. Neither needs
# the form classes; one class for every element, chosen in C, gives the same text on all
# 422 pages of the test corpora.
trafilatura.utils.HTML_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)

# The languages of newsmon's sources, for dates written in words ("12 березня 2024").
DATE_LANGUAGES = ("uk", "ru", "en")

# News pages are 50–500 KB (the largest in our test corpora is 1.5 MB). Beyond a few MB a
# page is inline images, embedded app state or junk, and parsing plus trafilatura's tree
# copies cost time and memory linear in size (seconds and hundreds of MB for 50 MB) for
# no article text, which sits near the start anyway. So only this much is parsed.
MAX_HTML_BYTES = 4 * 1024 * 1024

# htmldate gives no time of day unless asked for one, and then fills a date-only finding
# with 00:00:00, which _parse_date reads as "date only".
_HTMLDATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"

# What a declared charset may name: the ASCII-compatible encodings of the WHATWG Encoding
# Standard, as w3lib resolves their labels. Python knows more codecs, and a page declaring
# "zlib", "rot13" or "idna" made bytes.decode raise. UTF-16 and UTF-32 count only with
# a BOM: a declaration that could be read as ASCII is wrong (WHATWG reads it as UTF-8).
_WEB_ENCODING_NAMES = (
    "utf-8 cp866 iso8859-2 iso8859-3 iso8859-4 iso8859-5 iso8859-6 iso8859-7 iso8859-8 "
    "iso8859-10 iso8859-13 iso8859-14 iso8859-15 iso8859-16 koi8-r koi8-u mac-roman "
    "mac-cyrillic cp874 cp1250 cp1251 cp1252 cp1253 cp1254 cp1255 cp1256 cp1257 cp1258 "
    "gb18030 big5hkscs euc-jp iso2022-jp shift-jis cp932 euc-kr cp949"
)
_WEB_ENCODINGS = frozenset(codecs.lookup(name).name for name in _WEB_ENCODING_NAMES.split())

# Signatures of binary formats a crawler meets at article URLs.
_BINARY_MAGIC = (b"%PDF-", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b")
# C0 control bytes other than tab, newline, form feed, carriage return and escape.
_CONTROL_BYTES = bytes(set(range(32)) - {9, 10, 12, 13, 27})
_CYRILLIC_LOWER_1251 = bytes(range(0xE0, 0x100))  # а–я in windows-1251, А–Я in KOI8
_CYRILLIC_UPPER_1251 = bytes(range(0xC0, 0xE0))  # А–Я in windows-1251, а–я in KOI8
_HIGH_LETTER_PAIR = re.compile(rb"[\xc0-\xff]{2}")

# Meta names for the publication time, best first (compared lowercased).
_META_DATE_KEYS = (
    "article:published_time",
    "datepublished",
    "og:article:published_time",
    "pubdate",
    "publishdate",
    "publish-date",
    "publication_date",
    "dc.date.issued",
    "dcterms.issued",
    "dcterms.created",
    "dc.date",
    "parsely-pub-date",
    "sailthru.date",
)
_ARTICLE_TYPE = re.compile(r"Article|BlogPosting|Report", re.IGNORECASE)
_EARLIEST_YEAR = 1990

# A text is a list of links (a listing page) when at least this many of its lines, making
# up more than this share of it, are link texts on the page.
_MIN_LISTING_LINKS = 5
_LISTING_LINK_SHARE = 0.5

_BYLINE_PREFIX = re.compile(
    r"^(?:автор(?:ка|и|ы)?|текст|written by|posted by|by)(?=[\s:]|$)[\s:–—-]*",
    re.IGNORECASE,
)
_NOT_AUTHORS = frozenset({"войти", "вход", "увійти", "вхід", "login", "log in", "sign in", "admin"})
_PHOTO_CREDIT = re.compile(r"^(?:фото|photo)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Extracted:
    """An article: main text and metadata of one page."""

    title: str
    text: str  # main text, paragraphs separated by "\n"
    author: str | None
    # ISO 8601, with time and zone where the page gives them, e.g.
    # "2025-12-09T19:34:00+02:00"; date only "2025-12-09" if only the date is known.
    published: str | None
    description: str | None
    tags: tuple[str, ...]
    # Absolute URL from <link rel=canonical> (else og:url), as found on the page (relative
    # ones resolved against the page URL), None if absent.
    canonical_url: str | None
    sitename: str | None
    encoding: str  # the encoding used to decode the bytes, e.g. "utf-8", "cp1251"
    # The page's blocks for learning its site's template (crawler/template.py).
    blocks: PageBlocks = field(default_factory=PageBlocks)


@dataclass(frozen=True)
class Site:
    """What newsmon knows of a page's site: its configured rules and its learned template."""

    rules: SiteRules = field(default_factory=SiteRules)
    template: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Skipped:
    """Why a page is not an article."""

    # A short stable phrase: "empty page", "binary data", "no article body" (also listing
    # pages), "text too short", or "extraction failed" (a bug in a parser; logged).
    reason: str


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return (text, encoding) of an HTML page. Never raises on any bytes.

    Order: byte-order mark, HTTP Content-Type charset, <meta charset>/<meta http-equiv> or XML
    declaration (whichever comes first); if undeclared: UTF-8 when the bytes are UTF-8, else
    windows-1251 or KOI8-U for Cyrillic, else windows-1252. The BOM goes first as in the WHATWG
    encoding standard, browsers and Scrapy's ``response.text``.
    """
    bom_encoding, bom = read_bom(body)
    if bom_encoding is not None and bom is not None:
        return to_unicode(body[len(bom) :], bom_encoding), bom_encoding
    encoding = _declared_encoding(body, content_type)
    if encoding is not None:
        return to_unicode(body, encoding), encoding
    return _sniff(body)


def _declared_encoding(body: bytes, content_type: str | None) -> str | None:
    for encoding in (http_content_type_encoding(content_type), html_body_declared_encoding(body)):
        if encoding in _WEB_ENCODINGS:
            return encoding
    return None


def _sniff(body: bytes) -> tuple[str, str]:
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = body.decode("utf-8", "replace")
    invalid = text.count("\ufffd") - body.count("\ufffd".encode())
    # A stray invalid byte (or a multibyte character cut at MAX_HTML_BYTES) in a UTF-8 page
    # should not turn the whole page into mojibake.
    if invalid * 100 < len(text) - len(text.encode("ascii", "ignore")):
        return text, "utf-8"
    encoding = _guess_single_byte(body)
    return body.decode(encoding, "replace"), encoding


def _guess_single_byte(body: bytes) -> str:
    """Tell windows-1251 and KOI8-U Cyrillic from windows-1252 by byte statistics."""
    letters = len(body) - len(body.translate(None, _CYRILLIC_LOWER_1251 + _CYRILLIC_UPPER_1251))
    # Cyrillic words are runs of bytes >= 0xC0; accented Latin letters stand alone.
    if letters == 0 or 2 * len(_HIGH_LETTER_PAIR.findall(body)) < letters // 2:
        return "cp1252"
    lower = len(body) - len(body.translate(None, _CYRILLIC_LOWER_1251))
    # Running text is mostly lowercase: 0xE0-0xFF in windows-1251, 0xC0-0xDF in KOI8.
    return "cp1251" if 2 * lower >= letters else "koi8-u"


def extract_article(
    body: bytes,
    url: str,
    content_type: str | None = None,
    min_length: int = 80,
    site: Site | None = None,
    explain: list[Dropped] | None = None,
) -> Extracted | Skipped:
    """Raw bytes of a fetched page -> article or reason for skipping. Never raises on bad input.

    ``site`` brings the site's rules and learned template; ``explain``, if given, receives
    every piece of the page left out as boilerplate and the rule that left it out.
    """
    body = body[:MAX_HTML_BYTES]
    if not body.strip():
        return Skipped("empty page")
    if _looks_binary(body):
        return Skipped("binary data")
    html, encoding = decode_html(body, content_type)
    if not _TAG.search(html):
        # Said here, not by trafilatura: it logs an ERROR ("parsed tree length: 0") for
        # every such page, in the daemon's log and on `newsmon extract`'s terminal.
        return Skipped("not HTML")
    try:
        return _extract(html, encoding, url, min_length, site or Site(), explain)
    except Exception:  # a bug in a parser must cost one page, not the crawl
        log.warning("extraction failed for %s", url, exc_info=True)
        return Skipped("extraction failed")


_TAG = re.compile(r"<[a-zA-Z!?/]")


def _looks_binary(body: bytes) -> bool:
    head = body[:8192]
    if read_bom(head)[0] is not None:  # UTF-16/32 text is full of NUL bytes
        return False
    if head.startswith(_BINARY_MAGIC) or b"\x00" in head:
        return True
    return len(head) - len(head.translate(None, _CONTROL_BYTES)) > len(head) // 20


def _extract(
    html: str,
    encoding: str,
    url: str,
    min_length: int,
    site: Site,
    explain: list[Dropped] | None,
) -> Extracted | Skipped:
    tree = trafilatura.load_html(html)
    if tree is None:
        return Skipped("no article body")
    dropped = [] if explain is None else explain
    anchors = link_texts(tree)
    lines = _main_lines(tree, url, site.rules, anchors, dropped)
    blocks = page_blocks(lines, site.template)
    text = "\n".join(drop_template(lines, site.template, dropped)).strip()
    if not text or _is_link_list(text, anchors):
        return Skipped("no article body")
    if len(text) < min_length:
        return Skipped("text too short")
    # Metadata only for articles: it costs as much as the text on some pages.
    meta = _metadata(tree)
    return Extracted(
        title=meta.title or "",
        text=text,
        author=_clean_author(meta.author),
        published=_published(tree, url),
        description=meta.description or None,
        tags=_tags(meta.tags),
        canonical_url=_canonical_url(tree, url),
        sitename=meta.sitename or None,
        encoding=encoding,
        blocks=blocks,
    )


def _main_lines(
    tree: Any, url: str, rules: SiteRules, anchors: set[str], dropped: list[Dropped]
) -> list[str]:
    """The lines of the main text, boilerplate left out before and after trafilatura."""
    work = copy.deepcopy(tree)  # the metadata is read from the page as it was served
    _strip_unread(work, dropped)
    _collapse_newlines(work)
    apply_site_rules(work, rules, dropped)
    clean_tree(work, url, dropped)
    headline = functools.cache(lambda: _headline(tree))
    open_bare_divs(work, shield_body(work, headline))
    text = _main_text(work, url)
    if _has_layout_rows(text) and unwrap_layout_tables(work):
        text = _unwrapped_if_same(text, _main_text(work, url))
    lines = clean_lines(_rejoined(text.split("\n")), anchors, dropped)
    return drop_rubrics(lines, headline, dropped)


def _headline(tree: Any) -> str:
    """The page's title as its <head> gives it (og:title, else <title>), squashed."""
    for xpath in ('//meta[@property="og:title"]/@content', "//head/title/text()"):
        found = tree.xpath(xpath)
        if found and str(found[0]).strip():
            return " ".join(str(found[0]).split())
    return ""


def _rejoined(lines: list[str]) -> list[str]:
    """Lines that trafilatura broke at an inline element, joined again.

    In a box of bare text between <br>s, trafilatura ends a line at each <a> or <b>:
    "как передает «" / "Интерфакс" / "», Онищенко указал…". A line that opens a quote or
    bracket and stops, or one that starts with closing punctuation, goes on the line
    before it; a word split off there would miss a search and break a flag's phrase.
    """
    joined: list[str] = []
    for line in lines:
        if joined and (_OPENS.search(joined[-1]) or _CONTINUES.match(line)):
            joined[-1] = joined[-1].rstrip() + line
            continue
        joined.append(line)
    return joined


_OPENS = re.compile(r"[«„(\[]\s*$")  # not “, which closes a quote in Ukrainian
_CONTINUES = re.compile(r"[»”),;:\]]")  # not "." or "…": briefs start with "..."


def _has_layout_rows(text: str) -> bool:
    """Whether trafilatura's text has a table row with a cell as long as a paragraph or
    more: a table that lays out the page, read as data (see unwrap_layout_tables)."""
    return any(len(cell) > _LAYOUT_CELL for cell in _table_cells(text))


def _table_cells(text: str) -> list[str]:
    rows = (line.strip() for line in text.split("\n"))
    return [cell.strip() for row in rows if row.startswith("|") for cell in row.split(" | ")]


def _unwrapped_if_same(text: str, unwrapped: str) -> str:
    """The text read with layout tables unwrapped, if it is a part of the same text.

    Unwrapping should only split the table's cells into boxes. On pages whose article
    sits in bare text between <br>s, trafilatura's precision mode finds no paragraphs
    in the boxes and falls back on whatever has them, often the imprint in the footer:
    then the table's reading, however cluttered, is kept. Two tests: the words of the
    new text were (nearly) all in the old one, and it keeps the start of the longest
    cell, where the article is.
    """
    words = _words(unwrapped)
    if sum((words & _words(text)).values()) < _SAME_WORDS * words.total():
        return text
    start = _words(max(_table_cells(text), key=len)[:_CELL_START])
    if sum((start & words).values()) < _SAME_WORDS_START * start.total():
        return text
    return unwrapped


def _words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(text.lower()))


_WORD = re.compile(r"\w+")
_LAYOUT_CELL = 300  # characters: longer than a headline with its date
_SAME_WORDS = 0.8
_CELL_START = 300
_SAME_WORDS_START = 0.5


# What trafilatura never reads as text (its tree_cleaning deletes these), deleted from the
# working copy first: every later pass then walks a smaller tree (newsmon's cleaning,
# trafilatura's XPath pruning, which runs over the whole tree several times, and
# readability, which reads the raw tree). 11 % less extraction time, and the same or
# better text on the three test corpora (bench/extract_quality.py). Not <form>: ASP.NET
# pages wrap the whole page in one (removing forms cost uk-sites 0.06 F1); nor <nav>.
_NEVER_TEXT = frozenset(
    {"head", "script", "style", "svg", "iframe", "object", "embed", "canvas", "video", "audio"}
    | {"map"}
)
_NEVER_ARTICLE = ("aside", "footer")


def _strip_unread(tree: Any, dropped: list[Dropped]) -> None:
    for box in tree.iter(*_NEVER_ARTICLE):
        text = _squash(box.text_content())
        outermost = not any(a.tag in _NEVER_ARTICLE for a in box.iterancestors())
        if text and outermost:
            dropped.append(Dropped(f"<{box.tag}>", text[:100]))
    etree.strip_elements(tree, *_NEVER_TEXT, *_NEVER_ARTICLE, with_tail=False)


# A line break in the page's source is a space on screen, but trafilatura keeps it in the
# text of a box it reads whole (tneu.edu.ua, tengrinews.kz): "Поспішні висновки
# безпечніше\n                  робити в уяві". The flagger ends a sentence at a line
# break, so a phrase across one could not match. Costs 0.5 ms a page.
_BROKEN_TEXTS = etree.XPath(
    "//text()[contains(., '\n')][not(ancestor::pre or ancestor::code or ancestor::textarea)]"
    "[normalize-space()]"
)
_NEWLINE = re.compile(r"\s*\n\s*")


def _collapse_newlines(tree: Any) -> None:
    for node in _BROKEN_TEXTS(tree):
        element = node.getparent()
        if node.is_tail:
            text = _NEWLINE.sub(" ", node)
            # a line's start after a <br>: trafilatura would keep the space there
            element.tail = text.lstrip() if element.tag == "br" else text
        else:
            element.text = _NEWLINE.sub(" ", node)


def _main_text(tree: Any, url: str) -> str:
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        include_comments=False,
        # Better F1 on all three corpora (bench/extract_quality.py), and cheaper.
        favor_precision=True,
    )
    return (doc.text or "").strip() if isinstance(doc, Document) else ""


def _metadata(tree: Any) -> Document:
    """Title, author, description, site name and tags, as trafilatura.extract_metadata."""
    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:  # trafilatura's rule: a handle, not a name
        meta.author = None
    try:
        meta = extract_meta_json(tree, meta)
    except Exception:  # trafilatura guards its JSON-LD reader the same way
        log.debug("unreadable JSON-LD", exc_info=True)
    meta.title = meta.title or extract_title(tree)
    meta.author = meta.author or _byline(tree)
    meta.sitename = (meta.sitename or extract_sitename(tree) or "").lstrip("@")
    meta.tags = meta.tags or extract_catstags("tag", tree)
    meta.clean_and_trim()
    return meta


def _byline(tree: Any) -> str | None:
    """An author named in the article's markup, looked for inside <article> or <main>.

    trafilatura searches the whole page with regular-expression XPaths: 15-25 ms a page,
    most of the metadata cost, for a byline that sits inside the article anyway (and in
    the whole page often finds "Log in" or a photo credit instead).
    """
    scopes = tree.xpath("//article[.//h1] | //main")
    return extract_author(scopes[0]) if scopes else None


def _is_link_list(text: str, anchors: set[str]) -> bool:
    """Whether most of the text is the text of links: a listing page, not an article.

    trafilatura keeps a list of teaser links when a page has nothing else in its main
    column (a section front, a tag page, search results). ``anchors`` are the page's
    link texts.
    """
    lines = [line.removeprefix("- ") for line in text.split("\n")]
    if len(lines) < _MIN_LISTING_LINKS:
        return False
    linked = [line for line in lines if _squash(line) in anchors]
    share = sum(map(len, linked)) / len(text)
    return len(linked) >= _MIN_LISTING_LINKS and share > _LISTING_LINK_SHARE


def _squash(text: str) -> str:
    return " ".join(text.split())


def _canonical_url(tree: Any, url: str) -> str | None:
    for link in tree.iterfind(".//link[@href]"):
        if "canonical" in link.get("rel", "").lower().split():
            return _absolute(link.get("href"), url)
    for meta in tree.iterfind(".//meta[@property='og:url']"):
        return _absolute(meta.get("content"), url)
    return None


def _absolute(href: str | None, base: str) -> str | None:
    href = (href or "").strip()
    if not href:
        return None
    absolute = urljoin(base, href)
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def _page_dates(tree: Any) -> Iterator[str]:
    """Publication-time strings declared for machines, most trustworthy first."""
    metas = []
    for meta in tree.iterfind(".//meta[@content]"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in _META_DATE_KEYS:
            metas.append((_META_DATE_KEYS.index(key), meta.get("content")))
    metas.sort(key=lambda pair: pair[0])
    yield from (value for rank, value in metas if rank == 0)
    yield from _json_ld_dates(tree)
    yield from (value for rank, value in metas if rank > 0)


def _json_ld_dates(tree: Any) -> Iterator[str]:
    """datePublished values of JSON-LD blocks, articles before other types."""
    others = []
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "", strict=False)
        except (ValueError, RecursionError):
            continue
        for node in _json_nodes(data):
            value = node.get("datePublished")
            if not isinstance(value, str):
                continue
            kind = node.get("@type")
            kinds = " ".join(kind) if isinstance(kind, list) else str(kind)
            if _ARTICLE_TYPE.search(kinds):
                yield value
            else:
                others.append(value)
    yield from others


def _json_nodes(data: Any) -> Iterator[dict[str, Any]]:
    """Objects of a JSON document, breadth first (the article before its comments)."""
    queue = deque([data])
    while queue:
        node = queue.popleft()
        if isinstance(node, dict):
            yield node
            queue.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            queue.extend(node)


def _published(tree: Any, url: str) -> str | None:
    """The publication time the markup declares, else htmldate's finding."""
    declared = [d for d in map(_parse_date, _page_dates(tree)) if d is not None]
    if declared:
        return _iso(_most_precise(declared))
    found = _parse_date(_htmldate(tree, url))
    if found is None or _is_year_only(found):
        return None
    return _iso(found)


def _htmldate(tree: Any, url: str) -> str | None:
    # Only pages without a date in their markup get here, and pay for htmldate's search of
    # the text, which sends Ukrainian and Russian dates to dateparser at 5-25 ms each.
    return find_date(
        tree, extensive_search=True, original_date=True, url=url, outputformat=_HTMLDATE_FORMAT
    )


@functools.cache
def _date_parser() -> DateDataParser:
    """htmldate's dateparser, told which languages to expect.

    Told none, dateparser tries each of its ~200 locales on every date written in words:
    4 s of regular-expression compilation on the first such date in each process (each
    extraction worker), then 5-25 ms a date. With uk, ru and en it finds the same dates
    on all 422 pages of the three test corpora, in 0.6 s and half the time. htmldate has
    no parameter for it, so its parser factory is replaced (below); the settings are
    htmldate 1.9's own.
    """
    return DateDataParser(
        languages=list(DATE_LANGUAGES),
        settings={
            "NORMALIZE": True,
            "PARSERS": ["custom-formats", "absolute-time"],
            "PREFER_DATES_FROM": "past",
            "PREFER_LOCALE_DATE_ORDER": True,
            "RETURN_AS_TIMEZONE_AWARE": False,
            "STRICT_PARSING": True,
        },
    )


htmldate.extractors.get_external_parser = _date_parser


def _is_year_only(found: date | datetime) -> bool:
    """Whether htmldate's date is a January 1 that stands for a bare year.

    htmldate falls back on years ("© 2005-2012", "since 2000") and returns them as
    YYYY-01-01; a wrong date does more harm than none, and a real New Year's Day article
    found only in the text is rarer than those fallbacks.
    """
    return not isinstance(found, datetime) and (found.month, found.day) == (1, 1)


def _parse_date(value: str | None) -> date | datetime | None:
    """A date, a naive datetime or an aware datetime, as precise as the string is."""
    value = (value or "").strip()
    if not value:
        return None
    parsed: date | datetime
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            try:
                parsed = parsedate_to_datetime(value)  # RFC 822, as in feeds
            except (TypeError, ValueError, IndexError):
                return None
    if (
        isinstance(parsed, datetime)
        and parsed.tzinfo is None
        and parsed.time() == datetime.min.time()
    ):
        parsed = parsed.date()  # htmldate's (and many CMSs') stand-in for "no time known"
    if not _EARLIEST_YEAR <= parsed.year <= date.today().year + 1:
        return None
    return parsed


def _precision(value: date | datetime) -> int:
    if not isinstance(value, datetime):
        return 0
    return 2 if value.tzinfo is not None else 1


def _most_precise(values: list[date | datetime]) -> date | datetime:
    """The first value, or a later one for the same day that also has time or zone."""
    first = values[0]
    day = first.date() if isinstance(first, datetime) else first
    same_day = [v for v in values if (v.date() if isinstance(v, datetime) else v) == day]
    return max(same_day, key=_precision)


def _iso(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def _clean_author(author: str | None) -> str | None:
    """Strip "Автор"/"By" from a byline; drop photo credits and login links."""
    if not author:
        return None
    author = _BYLINE_PREFIX.sub("", author.strip()).strip(" :;,")
    if len(author) < 3 or author.lower() in _NOT_AUTHORS or _PHOTO_CREDIT.match(author):
        return None
    return author


def _tags(tags: Iterable[str] | None) -> tuple[str, ...]:
    # trafilatura joins one keywords meta into a single "a, b, c" string.
    found = (tag.strip() for entry in tags or () for tag in entry.split(","))
    return tuple(dict.fromkeys(tag for tag in found if tag))
