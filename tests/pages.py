"""Builders of the pages a news site serves: articles, RSS, RDF, Atom, sitemaps, listings."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

PARAGRAPHS = [
    "Уряд ухвалив рішення про відновлення шкільних укриттів у прифронтових громадах.",
    "За словами міністра, роботи мають завершити до початку нового навчального року.",
    "Місцева влада отримає додаткове фінансування з державного бюджету на ці потреби.",
    "Експерти зазначають, що безпечне навчання залишається пріоритетом для батьків.",
]


# Words for each default article's own paragraphs: without them the default articles would
# be one text with another title, which newsmon rightly stores as near copies.
_WORDS = [
    "громада",
    "місто",
    "район",
    "дорога",
    "міст",
    "парк",
    "лікарня",
    "бібліотека",
    "стадіон",
    "ринок",
    "вокзал",
    "площа",
    "вулиця",
    "сквер",
    "фонтан",
    "музей",
    "театр",
    "завод",
    "школа",
    "садок",
    "трамвай",
    "автобус",
    "тролейбус",
    "річка",
    "набережна",
    "озеро",
    "ліс",
    "поле",
    "сад",
    "весна",
    "осінь",
    "зима",
    "літо",
    "ранок",
    "вечір",
    "тиждень",
    "місяць",
    "мешканці",
    "волонтери",
    "депутати",
    "лікарі",
    "вчителі",
    "студенти",
    "підприємці",
    "фермери",
    "митці",
    "ремонт",
    "будівництво",
    "освітлення",
    "прибирання",
    "озеленення",
    "опалення",
    "водопостачання",
]


def own_paragraphs(title: str, count: int = 3, length: int = 14) -> list[str]:
    """Paragraphs of words drawn for ``title`` alone (the same title, the same words)."""
    rnd = random.Random(title)
    return [" ".join(rnd.choices(_WORDS, k=length)).capitalize() + "." for _ in range(count)]


def article_html(
    title: str,
    paragraphs: list[str] | None = None,
    *,
    published: str = "2026-11-20T10:15:00+02:00",
    author: str = "Олена Коваленко",
    canonical: str | None = None,
    lang: str = "uk",
    charset_meta: str | None = "utf-8",
) -> str:
    """A realistic article page: navigation, the article, a related-news sidebar, a footer."""
    paras = paragraphs or [f"{p} ({title})" for p in PARAGRAPHS] + own_paragraphs(title)
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paras)
    meta_charset = f'<meta charset="{charset_meta}">' if charset_meta else ""
    link = f'<link rel="canonical" href="{escape(canonical)}">' if canonical else ""
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head>{meta_charset}
<title>{escape(title)} | Тестові новини</title>
<meta property="og:title" content="{escape(title)}">
<meta property="article:published_time" content="{published}">
<meta name="author" content="{escape(author)}">
<meta name="description" content="{escape(paras[0])}">
{link}
</head><body>
<header><nav><a href="/">Головна</a> <a href="/news/">Новини</a>
<a href="/about/">Про нас</a></nav></header>
<main><article>
<h1>{escape(title)}</h1>
<div class="byline">{escape(author)}</div>
<time datetime="{published}">{published}</time>
<div class="article-body">
{body}
</div>
</article>
<aside class="related"><h3>Читайте також</h3><ul>
<li><a href="/news/other-1.html">Інша новина</a></li></ul></aside>
</main>
<footer>© Тестові новини, 2026</footer>
</body></html>"""


def listing_html(links: list[str], title: str = "Усі новини") -> str:
    items = "\n".join(f'<li><a href="{escape(u)}">Новина {i}</a></li>' for i, u in enumerate(links))
    return f"""<!DOCTYPE html><html lang="uk"><head><meta charset="utf-8"><title>{title}</title>
</head><body><nav><a href="/">Головна</a> <a href="/about/">Про нас</a></nav>
<h1>{title}</h1><ul>{items}</ul></body></html>"""


def _when(i: int, now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) - timedelta(minutes=10 * i)


def rss2(links: list[str], *, encoding: str = "utf-8", title: str = "Тестова стрічка") -> bytes:
    items = "".join(
        f"<item><title>Новина {i}</title><link>{escape(u)}</link>"
        f"<pubDate>{format_datetime(_when(i))}</pubDate><guid>{escape(u)}</guid></item>"
        for i, u in enumerate(links)
    )
    xml = (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://example.invalid/</link>{items}</channel></rss>"
    )
    return xml.encode(encoding)


def rdf(links: list[str]) -> bytes:
    items = "".join(
        f'<item rdf:about="{escape(u)}"><title>Новина {i}</title><link>{escape(u)}</link>'
        f"<dc:date>{_when(i).isoformat()}</dc:date></item>"
        for i, u in enumerate(links)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<channel rdf:about="http://example.invalid/"><title>RDF</title>'
        "<link>http://example.invalid/</link><description>d</description></channel>"
        f"{items}</rdf:RDF>"
    ).encode()


def atom(links: list[str]) -> bytes:
    entries = "".join(
        f'<entry><title>Новина {i}</title><link rel="alternate" href="{escape(u)}"/>'
        f"<id>{escape(u)}</id><updated>{_when(i).isoformat()}</updated></entry>"
        for i, u in enumerate(links)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Atom</title><id>urn:test</id><updated>{_when(0).isoformat()}</updated>"
        f"{entries}</feed>"
    ).encode()


def news_sitemap(links: list[str]) -> bytes:
    urls = "".join(
        f"<url><loc>{escape(u)}</loc><news:news><news:publication>"
        "<news:name>Test</news:name><news:language>uk</news:language></news:publication>"
        f"<news:publication_date>{_when(i).isoformat()}</news:publication_date>"
        f"<news:title>Новина {i}</news:title></news:news></url>"
        for i, u in enumerate(links)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"{urls}</urlset>"
    ).encode()


def sitemap_index(children: list[tuple[str, datetime | None]]) -> bytes:
    items = "".join(
        f"<sitemap><loc>{escape(u)}</loc>"
        + (f"<lastmod>{when.isoformat()}</lastmod>" if when else "")
        + "</sitemap>"
        for u, when in children
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>'
    ).encode()
