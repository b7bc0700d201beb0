"""Unit tests of crawler.extract on small hand-written pages."""

import gzip
import json
import random

import lxml.html
import pytest
import trafilatura

from crawler import extract
from crawler.boilerplate import open_bare_divs, shield_body
from crawler.extract import Extracted, Skipped, decode_html, extract_article

URL = "https://polissia.example.ua/news/2025/12/09/obmin-12"

PARAGRAPHS = (
    "Дванадцять українських військових, які понад рік перебували в російському полоні, "
    "повернулися додому після чергового обміну. Їх зустріли рідні та представники "
    "обласної військової адміністрації.",
    "За словами координаційного штабу, серед звільнених є захисники Маріуполя та бійці, "
    "які потрапили в полон на Харківщині. Усі вони пройдуть медичне обстеження.",
    "«Ми чекали цього дня чотирнадцять місяців», — розповіла мати одного з військових. "
    "Вона додала, що об'єднання родин полонених продовжить боротьбу за повернення всіх.",
)
TITLE = "На Київщині зустріли 12 захисників, звільнених з полону"
PUBLISHED_META = '<meta property="article:published_time" content="2025-12-09T19:34:00+02:00">'


def page(
    charset: str | None = "utf-8",
    head: str = PUBLISHED_META,
    byline: str = "Автор Олена Коваленко",
    paragraphs: tuple[str, ...] = PARAGRAPHS,
) -> str:
    """A Ukrainian news article page with navigation, a sidebar and a footer."""
    meta_charset = f'<meta charset="{charset}">' if charset else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="uk"><head>{meta_charset}
<title>{TITLE} | Новини Полісся</title>
<meta property="og:site_name" content="Новини Полісся">
<meta name="description" content="Дванадцять військових повернулися додому після обміну.">
<meta name="keywords" content="обмін полоненими, Київщина, ЗСУ, Київщина">
<link rel="canonical" href="/news/2025/12/09/obmin-12">
{head}
</head><body>
<header><nav><a href="/">Головна</a> <a href="/news">Новини</a></nav></header>
<main><article>
<h1>{TITLE}</h1>
<div class="author">{byline}</div>
{body}
</article></main>
<aside class="sidebar"><h2>Читайте також</h2><ul>
<li><a href="/news/1">Зеленський провів нараду щодо обміну полоненими</a></li>
<li><a href="/news/2">У Києві відкрили новий міст через Дніпро</a></li>
</ul></aside>
<footer><p>© 2025 Новини Полісся. Усі права захищено.</p></footer>
</body></html>"""


def listing_page() -> str:
    """A section front: nothing but teaser links in the main column."""
    items = "".join(
        f'<li><a href="/news/{i}"><span class="date">9 грудня, {i}:00</span> '
        f"<span>Заголовок новини номер {i} про події на Київщині та в області</span></a></li>"
        for i in range(10, 24)
    )
    return f"""<!DOCTYPE html><html lang="uk"><head><meta charset="utf-8">
<title>Новини — Новини Полісся</title></head><body>
<header><nav><a href="/">Головна</a> <a href="/news">Новини</a></nav></header>
<main><h1>Усі новини</h1><ul class="news-list">{items}</ul>
<div class="pagination"><a href="?page=2">Наступна сторінка</a></div></main>
<footer><p>© 2025 Новини Полісся.</p></footer></body></html>"""


def article(body: bytes, content_type: str | None = None, url: str = URL) -> Extracted:
    result = extract_article(body, url, content_type)
    assert isinstance(result, Extracted), result
    return result


@pytest.fixture(scope="module")
def utf8_article() -> Extracted:
    return article(page().encode("utf-8"))


def test_utf8_article_text_and_metadata(utf8_article: Extracted) -> None:
    assert utf8_article.title == TITLE
    assert all(p in utf8_article.text for p in PARAGRAPHS)
    assert utf8_article.published == "2025-12-09T19:34:00+02:00"
    assert utf8_article.description == "Дванадцять військових повернулися додому після обміну."
    assert utf8_article.tags == ("обмін полоненими", "Київщина", "ЗСУ")
    assert utf8_article.canonical_url == URL  # relative on the page, made absolute
    assert utf8_article.sitename == "Новини Полісся"
    assert utf8_article.encoding == "utf-8"


def test_boilerplate_is_left_out(utf8_article: Extracted) -> None:
    for boilerplate in ("Головна", "Читайте також", "новий міст", "Усі права захищено"):
        assert boilerplate not in utf8_article.text


def test_paragraphs_are_lines(utf8_article: Extracted) -> None:
    assert utf8_article.text.split("\n")[-3:] == list(PARAGRAPHS)


@pytest.mark.parametrize(
    ("byline", "author"),
    [
        ("Автор Олена Коваленко", "Олена Коваленко"),
        ("Автор: Олена Коваленко", "Олена Коваленко"),
        ("Авторка: Олена Коваленко", "Олена Коваленко"),
        ("By Jane Doe", "Jane Doe"),
        ("Авторитетний Оглядач", "Авторитетний Оглядач"),  # a word that only starts like one
        ("Фото: Reuters", None),  # a photo credit is no author
        ("Войти", None),  # a login link in an author-like box
    ],
)
def test_byline_cleanup(byline: str, author: str | None) -> None:
    assert article(page(byline=byline).encode()).author == author


def cp1251_variants() -> list[tuple[str, bytes, str | None]]:
    undeclared = page(charset=None).encode("cp1251")
    return [
        ("http header", undeclared, "text/html; charset=windows-1251"),
        ("meta charset", page(charset="windows-1251").encode("cp1251"), None),
        ("undeclared", undeclared, None),
    ]


@pytest.mark.parametrize(("how", "body", "content_type"), cp1251_variants())
def test_windows_1251_page(
    utf8_article: Extracted, how: str, body: bytes, content_type: str | None
) -> None:
    result = article(body, content_type)
    assert result.encoding == "cp1251", how
    assert result.text == utf8_article.text
    assert result.title == TITLE


def test_http_header_beats_meta() -> None:
    # The header is right and the meta tag is stale, as after a site's move to UTF-8.
    body = page(charset="windows-1251").encode("utf-8")
    assert article(body, "text/html; charset=UTF-8").encoding == "utf-8"


def test_decode_bom_wins() -> None:
    text, encoding = decode_html(b"\xef\xbb\xbf<p>\xd0\x84</p>", "text/html; charset=cp1251")
    assert (text, encoding) == ("<p>Є</p>", "utf-8")


def test_decode_xml_declaration() -> None:
    body = '<?xml version="1.0" encoding="windows-1251"?><html><p>Їжак</p></html>'
    assert decode_html(body.encode("cp1251")) == (body, "cp1251")


def test_decode_undeclared_koi8() -> None:
    text = "<p>Новини дня: уряд ухвалив рішення про підтримку звільнених з полону</p>"
    assert decode_html(text.encode("koi8_u")) == (text, "koi8-u")


def test_decode_undeclared_latin() -> None:
    text = "<p>Le président a rencontré les représentants à Genève, déclare-t-il.</p>"
    assert decode_html(text.encode("cp1252")) == (text, "cp1252")


def test_decode_utf8_with_a_stray_byte_stays_utf8() -> None:
    body = ("<p>" + "Полонені повернулися додому. " * 20 + "</p>").encode() + b"\xff"
    text, encoding = decode_html(body)
    assert encoding == "utf-8"
    assert text.startswith("<p>Полонені")


@pytest.mark.parametrize("label", ["no-such-thing", "utf-16", "zlib", "rot13", "idna", "undefined"])
def test_decode_ignores_labels_of_no_web_encoding(label: str) -> None:
    # Python has codecs for these, and some of them raise when asked to decode.
    body = f"<meta charset='{label}'><p>Полон</p>".encode()
    assert decode_html(body, f"text/html; charset={label}") == (body.decode(), "utf-8")


def test_listing_page_is_skipped() -> None:
    assert extract_article(listing_page().encode(), "https://polissia.example.ua/news") == Skipped(
        "no article body"
    )


def test_short_text_is_skipped() -> None:
    body = page(paragraphs=("Дивіться відео.",)).encode()
    assert extract_article(body, URL) == Skipped("text too short")
    assert isinstance(extract_article(body, URL, min_length=10), Extracted)


@pytest.mark.parametrize("body", [b"", b"   \r\n\t  "])
def test_empty_page(body: bytes) -> None:
    assert extract_article(body, URL) == Skipped("empty page")


def test_plain_text_is_not_html(caplog: pytest.LogCaptureFixture) -> None:
    body = "\n\n".join(PARAGRAPHS).encode()  # a .txt saved as a page, or a text/plain reply
    assert extract_article(body, URL) == Skipped("not HTML")
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


@pytest.mark.parametrize(
    "body",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        gzip.compress(page().encode()),
        b"<html>" + bytes(range(1, 9)) * 200,
        b"<html><body>\x00\x00</body></html>",
    ],
)
def test_binary_data(body: bytes) -> None:
    assert extract_article(body, URL) == Skipped("binary data")


def test_utf16_page_is_text() -> None:
    body = page(charset=None).encode("utf-16")  # with a BOM
    assert article(body).encoding == "utf-16-le"


def json_ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


@pytest.mark.parametrize(
    ("head", "published"),
    [
        (
            json_ld({"@type": "NewsArticle", "datePublished": "2025-12-09T19:34:00+02:00"}),
            "2025-12-09T19:34:00+02:00",
        ),
        (
            json_ld(
                {
                    "@graph": [
                        {"@type": "WebPage", "datePublished": "2025-12-01T08:00:00+02:00"},
                        {"@type": ["NewsArticle"], "datePublished": "2025-12-09T17:34:00Z"},
                    ]
                }
            ),
            "2025-12-09T17:34:00+00:00",
        ),
        (json_ld({"@type": "NewsArticle", "datePublished": "2025-12-09"}), "2025-12-09"),
        # A naive time in JSON-LD, the zone in the meta tag of the same day: most precise.
        (
            json_ld({"@type": "Article", "datePublished": "2025-12-09 19:34:00"})
            + '<meta name="pubdate" content="2025-12-09T19:34:00+0200">',
            "2025-12-09T19:34:00+02:00",
        ),
        # RFC 822, as some CMSs write it.
        (
            '<meta itemprop="datePublished" content="Tue, 09 Dec 2025 19:34:00 +0200">',
            "2025-12-09T19:34:00+02:00",
        ),
    ],
)
def test_published_from_markup(head: str, published: str) -> None:
    assert article(page(head=head).encode()).published == published


def test_broken_json_ld_falls_back_to_htmldate() -> None:
    head = '<script type="application/ld+json">{"datePublished": </script>'
    # htmldate reads the date in the URL; it has no time of day, and none is made up.
    assert article(page(head=head).encode()).published == "2025-12-09"


def test_no_date_at_all() -> None:
    # The page still says "© 2025", which htmldate turns into 2025-01-01.
    html = page(head="").replace('<link rel="canonical" href="/news/2025/12/09/obmin-12">', "")
    result = article(html.encode(), url="https://polissia.example.ua/news/obmin-12")
    assert result.published is None


@pytest.mark.parametrize(
    "written",
    ["9 грудня 2025, 19:34", "9 декабря 2025, 19:34", "December 9, 2025, 19:34"],
)
def test_date_in_words_with_no_markup(written: str) -> None:
    # No date in the markup nor the URL: htmldate finds the one in the text and hands
    # it to dateparser, which newsmon restricts to its three languages.
    html = page(head="").replace('<link rel="canonical" href="/news/2025/12/09/obmin-12">', "")
    html = html.replace('<div class="author">', f'<div class="date">{written}</div><div>')
    result = article(html.encode(), url="https://polissia.example.ua/news/obmin-12")
    assert result.published is not None and result.published.startswith("2025-12-09")
    assert extract._date_parser().languages == ["uk", "ru", "en"]


def test_og_url_when_no_canonical() -> None:
    html = page(head='<meta property="og:url" content="https://polissia.example.ua/a/1">')
    html = html.replace('<link rel="canonical" href="/news/2025/12/09/obmin-12">', "")
    assert article(html.encode()).canonical_url == "https://polissia.example.ua/a/1"


def test_no_canonical() -> None:
    html = page().replace('<link rel="canonical" href="/news/2025/12/09/obmin-12">', "")
    assert article(html.encode()).canonical_url is None


def test_huge_page_is_cut_not_choked_on() -> None:
    junk = b"<script>var state = '" + b"x" * (50 * 1024 * 1024) + b"';</script>"
    body = page().encode().replace(b"</body>", junk + b"</body>")
    assert article(body).title == TITLE


def test_only_the_first_bytes_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    body = page().encode()
    monkeypatch.setattr(extract, "MAX_HTML_BYTES", body.index(PARAGRAPHS[2].encode()))
    text = article(body).text
    assert PARAGRAPHS[1] in text and PARAGRAPHS[2] not in text


@pytest.mark.parametrize("seed", range(20))
def test_random_bytes_never_raise(seed: int) -> None:
    rng = random.Random(seed)
    noise = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
    text, encoding = decode_html(noise, rng.choice([None, "text/html; charset=utf-8", "x"]))
    assert isinstance(text, str) and encoding
    assert isinstance(extract_article(noise, URL), Extracted | Skipped)


@pytest.mark.parametrize(
    "html",
    [
        "<html><body>" + "<div>" * 5000 + "глибоко" + "</div>" * 5000 + "</body></html>",
        "<html><head><meta charset='utf-8'></head></html>",
        "<html><body><p>" + "Полон " * 100 + "</p>",  # never closed
        "just some text, not HTML at all, " * 20,
        '<?xml version="1.0" encoding="utf-8"?><html><body><p>' + "Обмін. " * 60 + "</p>",
    ],
)
def test_odd_html_never_raises(html: str) -> None:
    assert isinstance(extract_article(html.encode(), URL), Extracted | Skipped)


def test_relative_url_argument_does_not_raise() -> None:
    assert isinstance(extract_article(page().encode(), "not a url"), Extracted)


def test_a_one_sentence_flash_is_an_article() -> None:
    # Agencies publish one- or two-sentence flashes; the report may be all there is.
    flash = "Україна повернула з полону ще 12 захисників, повідомив Координаційний штаб."
    result = extract_article(page(paragraphs=(flash,)).encode(), URL)
    assert isinstance(result, Extracted)
    assert flash in result.text


def test_elements_get_one_class_chosen_in_c() -> None:
    # crawler.extract sets it on trafilatura's parser: lxml.html's per-element Python
    # callback cost 8 % of the extraction time.
    from lxml.html import HtmlElement

    html = page().replace(
        "</article>",
        '<form action="/subscribe"><label>Email</label><input name="email"></form></article>',
    )
    tree = trafilatura.load_html(html)
    assert {type(e) for e in tree.iter("form", "input", "label", "p")} == {HtmlElement}
    result = article(html.encode())
    assert PARAGRAPHS[2] in result.text and "Email" not in result.text


def test_asides_and_footers_are_left_out_first_and_explained() -> None:
    dropped: list[extract.Dropped] = []
    result = extract_article(page().encode(), URL, explain=dropped)
    assert isinstance(result, Extracted) and PARAGRAPHS[0] in result.text
    assert "Зеленський провів нараду" not in result.text and "©" not in result.text
    rules = {d.rule: d.text for d in dropped}
    assert rules["<aside>"].startswith("Читайте також Зеленський провів нараду")
    assert rules["<footer>"] == "© 2025 Новини Полісся. Усі права захищено."


def test_a_layout_table_is_unwrapped_only_to_split_the_same_text() -> None:
    article_cell = f"{TITLE} {' '.join(PARAGRAPHS)} Читайте також: інші новини області"
    read_as_data = f"| Головна Новини | {article_cell} |\n© 2025 Новини Полісся. Редакція"
    split = "\n".join((TITLE, *PARAGRAPHS))
    assert extract._unwrapped_if_same(read_as_data, split) == split
    # a reading that fell back on the footer keeps none of the article's cell
    footer = "© 2025 Новини Полісся. Редакція"
    assert extract._unwrapped_if_same(read_as_data, footer) == read_as_data
    # nor does a reading that found another text altogether
    other = "Зовсім інший текст про погоду на вихідних у Житомирі та області, дощ і вітер."
    assert extract._unwrapped_if_same(read_as_data, other) == read_as_data


PARTNERS = "".join(
    f"<div>Новини партнерів: у {town} відкрили каток, вхід вільний для всіх охочих до кінця "
    "січня, повідомляє міська рада; ковзани можна взяти напрокат біля входу.</div>"
    for town in ("Житомирі", "Коростені", "Овручі", "Малині")
)


def bare_page(body_class: str, box: str = "div") -> str:
    """An article whose body box is named only by its class (no <article>, no <main>),
    and partners' teasers, a third of the text, that trafilatura reads when it has
    pruned the body."""
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return f"""<!DOCTYPE html><html lang="uk"><head><meta charset="utf-8">
<title>{TITLE}</title></head><body>
<div class="page"><h1>{TITLE}</h1>
<{box} class="{body_class}">{body}</{box}>
<div class="partners">{PARTNERS}</div>
</div></body></html>"""


@pytest.mark.parametrize(
    "body_class",
    [
        "text _reachbanner_ _ga1_on_",
        "story-text toolbar-offset",
        "story-meta-body",
        "entry tags-inline",
    ],
)
def test_a_body_named_like_boilerplate_is_still_read(body_class: str) -> None:
    # trafilatura alone prunes these bodies for "banner", "bar", "meta" and "tags" in their class
    plain = trafilatura.extract(bare_page(body_class), favor_precision=True) or ""
    assert PARAGRAPHS[1] not in plain
    result = article(bare_page(body_class).encode())
    assert all(p in result.text for p in PARAGRAPHS)


def test_the_shield_drops_only_the_names_trafilatura_prunes_by() -> None:
    tree = lxml.html.fromstring(bare_page("text _reachbanner_ bbtext"))
    shield_body(tree)
    (box,) = tree.xpath("//div[count(p) = 3]")
    assert box.get("class") == "text bbtext"


def test_a_footer_with_the_most_prose_is_not_shielded() -> None:
    imprint = " ".join(PARAGRAPHS * 2)  # an imprint longer than the article, in the footer
    html = bare_page("text").replace(
        "</div></body>", f'</div><div class="footer-banner"><p>{imprint}</p></div></body>'
    )
    tree = lxml.html.fromstring(html)
    shield_body(tree)
    assert tree.xpath("//div[@class='footer-banner']")


def bare_divs_page(second: str) -> str:
    """news.day.az's shape: an article of sibling <div>s of bare text, lines split by
    <br>, and more than 250 characters of <p> text elsewhere on the page."""
    rules = (
        "Редакція не несе відповідальності за зміст коментарів читачів. Коментарі, що "
        "містять образи, заклики до насильства або рекламу, видаляються без попередження. "
    )
    return f"""<!DOCTYPE html><html lang="uk"><head><meta charset="utf-8">
<title>{TITLE}</title></head><body>
<div class="content"><div class="news"><h2>{TITLE}</h2>
<div>{PARAGRAPHS[0]}{second}</div> <div>{PARAGRAPHS[2]}</div></div></div>
<div class="rules"><p>{rules * 2}</p></div>
</body></html>"""


def test_bare_divs_split_by_breaks_are_read_whole() -> None:
    html = bare_divs_page(f"<br><br>{PARAGRAPHS[1]}")
    # trafilatura keeps the line after the <br> and drops each div's first line
    plain = trafilatura.extract(html, favor_precision=True) or ""
    assert PARAGRAPHS[1] in plain
    assert PARAGRAPHS[0] not in plain and PARAGRAPHS[2] not in plain
    text = article(html.encode()).text
    assert all(p in text for p in PARAGRAPHS)


def test_bare_divs_without_breaks_are_left_as_they_are() -> None:
    # cnn.com: one paragraph a div; trafilatura reads those another way
    tree = lxml.html.fromstring(bare_divs_page(""))
    before = lxml.html.tostring(tree)
    open_bare_divs(tree)
    assert lxml.html.tostring(tree) == before
    tree = lxml.html.fromstring(bare_divs_page(f"<br>{PARAGRAPHS[1]}"))
    open_bare_divs(tree)
    assert [div.text for div in tree.xpath("//div[@class='news']/div")] == [None, None]


CAPTION = (
    'Депутати Верховної Ради <a href="/news/rada">проголосували за зняття недоторканності '
    "та підтримали арешт нардепа</a>."
)


def div_between_paragraphs_page(at: int) -> str:
    """hromadske.tv: a video's caption, a <div> of bare text, among the paragraphs."""
    pieces = [f"<p>{p}</p>" for p in PARAGRAPHS]
    pieces.insert(at, f'<div class="video_youtube">{CAPTION}</div>')
    return f"""<!DOCTYPE html><html lang="uk"><head><meta charset="utf-8">
<title>{TITLE}</title></head><body><h1>{TITLE}</h1>
<div class="text-wrapp">{"".join(pieces)}</div></body></html>"""


def test_a_div_of_text_between_paragraphs_is_read() -> None:
    html = div_between_paragraphs_page(2)
    caption = "Депутати Верховної Ради проголосували за зняття недоторканності"
    assert caption not in (trafilatura.extract(html, favor_precision=True) or "")
    assert caption in article(html.encode()).text


def test_a_div_of_text_at_the_edge_of_the_article_is_left_as_it_is() -> None:
    # a print link, an embed code or a publisher's standards line sits there
    tree = lxml.html.fromstring(div_between_paragraphs_page(len(PARAGRAPHS)))
    (box,) = tree.xpath("//div[@class='text-wrapp']")
    open_bare_divs(tree, box)
    assert tree.xpath("//div[@class='video_youtube']")


def source_lines_page(inner: str) -> str:
    """tneu.edu.ua: a box of <div>s that trafilatura reads whole, source line breaks and
    all, with an empty &nbsp; div among them."""
    return f"""<!DOCTYPE html><html lang="uk"><head><meta charset="utf-8">
<title>{TITLE}</title></head><body><div id="article" class="well"><h4>{TITLE}</h4>
<div class="timg"><div>{inner}</div><div>&nbsp;</div>
<div>{PARAGRAPHS[1]}</div><div>{PARAGRAPHS[2]}</div></div></div></body></html>"""


def test_a_line_break_in_the_source_is_a_space() -> None:
    html = source_lines_page(PARAGRAPHS[0].replace(" в російському", "\n        в російському"))
    assert "перебували\n" in (trafilatura.extract(html, favor_precision=True) or "")
    lines = article(html.encode()).text.splitlines()
    assert PARAGRAPHS[0] in lines
    assert all(line.strip() for line in lines), "a line of white space, or of &nbsp;"


def test_preformatted_text_keeps_its_lines() -> None:
    code = "Обмін:\n  95 військових\n  2 цивільних"
    html = source_lines_page(f"{PARAGRAPHS[0]}</div><pre>{code}</pre><div>{PARAGRAPHS[0]}")
    tree = lxml.html.fromstring(html)
    extract._collapse_newlines(tree)
    assert tree.xpath("//pre/text()") == [code]
    assert "\n" not in "".join(tree.xpath("//div[@class='timg']/div/text()"))


def test_lines_broken_at_inline_links_are_joined() -> None:
    # ntv.ru: bare text between <br>s, the tail of a box of tags; trafilatura ends a line
    # at each inline element there
    quoted = (
        "Як повідомляє «<a href='https://ukrinform.example.ua'>Укрінформ</a>», з полону "
        "повернулися ще 12 захисників, серед них двоє цивільних."
    )
    said = "<b>Дмитро Лубінець</b>: «Робота над поверненням усіх полонених триває щодня»."
    tags = (
        '<div class="d"><ul><li>09.12.2025, 11:42</li></ul><ul class="tags">'
        '<li><a href="/tema/obmin">Обмін полоненими</a></li>'
        '<li><a href="/tema/lubinets">Лубінець</a></li></ul></div>'
    )
    body = "<br/>\n<br/>\n".join((PARAGRAPHS[0], said, quoted))
    html = f"""<html><head><meta charset="utf-8"><title>{TITLE}</title></head><body>
<div class="c_left news"><h1>{TITLE}</h1><div>{tags}{body}</div></div></body></html>"""
    plain = trafilatura.extract(html, favor_precision=True) or ""
    assert "Як повідомляє «\nУкрінформ" in plain and "Лубінець\n:" in plain
    lines = article(html.encode()).text.splitlines()
    assert (
        "Як повідомляє «Укрінформ», з полону повернулися ще 12 захисників, серед них двоє "
        "цивільних." in lines
    )
    assert "Дмитро Лубінець: «Робота над поверненням усіх полонених триває щодня»." in lines


@pytest.mark.parametrize(
    "lines",
    [
        ["Перший брифінг.", "... Другий брифінг: штаб про обмін."],  # a brief starts with "..."
        ["Вона сказала: „Ми чекали“", "Наступний абзац."],  # “ closes a Ukrainian quote
    ],
)
def test_lines_that_are_not_broken_stay_apart(lines: list[str]) -> None:
    assert extract._rejoined(lines) == lines


def test_an_article_wrapped_in_a_box_named_comments_is_read() -> None:
    # nversia.ru: the headline and the body sit in "#comments_page_wrapper", which
    # trafilatura deletes as a comment section; the page then yields its teasers
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<!DOCTYPE html><html lang="uk"><head><meta charset="utf-8">
<title>{TITLE} | Новини Полісся</title></head><body>
<div id="center"><div id="comments_page_wrapper"><div class="date">09.12.2025 | 17:17</div>
<div class="name">{TITLE}</div><div class="text">{body}</div></div>
<div class="columns">{PARTNERS}</div></div></body></html>"""
    plain = trafilatura.extract(html, favor_precision=True, include_comments=False) or ""
    assert PARAGRAPHS[1] not in plain
    assert all(p in article(html.encode()).text for p in PARAGRAPHS)


def test_comments_longer_than_the_article_stay_out() -> None:
    comments = "".join(
        f"<p>{name}: {p}</p>" for name, p in zip(("Олег", "Ірина"), PARAGRAPHS * 2, strict=False)
    )
    comments += "".join(f"<p>Гість: {p}</p>" for p in PARAGRAPHS)
    html = page().replace("</article>", f'</article><div id="comments">{comments}</div>')
    text = article(html.encode()).text
    assert PARAGRAPHS[0] in text and "Гість:" not in text and "Олег:" not in text
