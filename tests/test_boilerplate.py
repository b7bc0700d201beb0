"""Boilerplate that trafilatura keeps and newsmon leaves out, rule by rule (pages made up here).

The pages are built like today's news sites: class names hashed by CSS modules or written
in Tailwind utilities, so nothing in them says "sidebar" or "comments". Every test first
checks that trafilatura alone keeps the boilerplate in question: a rule is tested only
where it does something.
"""

from __future__ import annotations

from html import escape

import lxml.html
import pytest
import trafilatura

from crawler.boilerplate import (
    Dropped,
    SiteRules,
    clean_lines,
    clean_tree,
    drop_rubrics,
    unwrap_layout_tables,
)
from crawler.extract import Extracted, Site, extract_article
from crawler.topics import Topic, classify, load_topic

URL = "https://zhytomyr.example.ua/news/2025/12/09/ukryttia"

SHELTER = (
    "У Житомирі завершили ремонт укриття в гімназії № 12: тепер під час повітряної тривоги "
    "там можуть перебувати п'ятсот учнів і вчителів одночасно.",
    "Роботи тривали чотири місяці, їх оплатили з міського бюджету та коштів міжнародних "
    "партнерів, повідомив міський голова на брифінгу.",
    "В укритті облаштували класи, медичний пункт, запас води та генератор, тож навчання не "
    "зупиняється навіть під час тривалих тривог.",
    "Наступного року місто планує відремонтувати ще шість шкільних укриттів, зокрема в "
    "ліцеях на околицях, де зараз навчаються онлайн.",
)
EXCHANGE = (
    "Україна повернула з російського полону 95 захисників, серед них бійці, які обороняли "
    "Маріуполь, і двоє цивільних, повідомив Координаційний штаб.",
    "Це вже шістдесятий обмін полоненими від початку повномасштабного вторгнення, його "
    "посередником знову стали Об'єднані Арабські Емірати.",
    "Звільнені військові пройдуть медичне обстеження та реабілітацію, а їхні родини вже "
    "отримали дзвінки від представників штабу.",
    "У штабі наголосили, що робота над поверненням усіх полонених триває щодня і наступний "
    "обмін уже готують.",
)


def page(
    paragraphs: tuple[str, ...] = SHELTER,
    *,
    inside: dict[int, str] | None = None,
    after: str = "",
    outside: str = "",
    title: str = "У Житомирі відремонтували укриття в гімназії",
) -> bytes:
    """An article in a column of hashed <div>s: ``inside`` puts markup before the n-th
    paragraph, ``after`` follows the text in the same column, ``outside`` is elsewhere."""
    pieces = [f'<p class="_p1x9">{escape(p)}</p>' for p in paragraphs]
    for index, markup in sorted((inside or {}).items(), reverse=True):
        pieces.insert(index, markup)
    text = "\n".join(pieces)
    return f"""<!DOCTYPE html><html lang="uk"><head><meta charset="utf-8">
<title>{escape(title)} | Житомир.Інфо</title>
<meta property="og:title" content="{escape(title)}">
<meta property="article:published_time" content="2025-12-09T10:00:00+02:00">
</head><body>
<div class="css-1q2w3e"><div class="sc-9x8y7"><a href="/">Головна</a> <a href="/news">Новини</a>
<a href="/war">Війна</a></div></div>
<div class="mx-auto max-w-6xl _w8"><div class="_col1">
<h1 class="text-3xl font-bold">{escape(title)}</h1>
<div class="_m2n4 text-sm">9 грудня 2025, 10:00</div>
{text}
{after}
</div></div>
{outside}
</body></html>""".encode()


def trafilatura_text(html: bytes) -> str:
    """What trafilatura alone makes of the page, with newsmon's own settings."""
    doc = trafilatura.bare_extraction(html, url=URL, include_comments=False, favor_precision=True)
    return doc.text if doc is not None else ""


def newsmon(html: bytes, site: Site | None = None) -> tuple[str, list[Dropped]]:
    dropped: list[Dropped] = []
    result = extract_article(html, URL, site=site, explain=dropped)
    assert isinstance(result, Extracted), result
    return result.text, dropped


def assert_left_out(html: bytes, boilerplate: str, rule: str) -> list[Dropped]:
    assert boilerplate in trafilatura_text(html), "trafilatura alone already drops it"
    text, dropped = newsmon(html)
    assert boilerplate not in text
    assert all(p in text for p in SHELTER), "the article lost a paragraph"
    assert any(d.rule == rule and boilerplate in d.text for d in dropped), dropped
    return dropped


# -- inline "read also" lines --------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "headline"),
    [
        (
            '<p class="_p1x9"><strong class="_s3k">Читайте також:</strong> '
            '<a href="/news/obmin-95">Україна повернула з полону 95 захисників</a></p>',
            "Україна повернула з полону 95 захисників",
        ),
        (
            '<p class="_p1x9">Читайте также: <a href="/news/obmen">Украина вернула из плена '
            "95 защитников</a></p>",
            "Украина вернула из плена 95 защитников",
        ),
        # UNIAN: the label and the headline side by side, no space between them
        (
            '<p class="_r0"><span class="_l1">Read also</span><a href="/war/obmin">Those '
            "who tortured Ukrainians in Donbas dungeons among swapped</a></p>",
            "Those who tortured Ukrainians in Donbas dungeons among swapped",
        ),
        (
            '<p class="_p1x9">Дивіться також: <a href="/video/1">Як живуть звільнені з '
            "полону: відео з реабілітаційного центру</a></p>",
            "Як живуть звільнені з полону",
        ),
        (
            '<p class="_p1x9">Читайте: <a href="/news/obmin-12">Україна повернула ще 12 '
            "захисників</a></p>",
            "Україна повернула ще 12 захисників",
        ),
    ],
)
def test_inline_read_also_line(markup: str, headline: str) -> None:
    assert_left_out(page(inside={2: markup}), headline, "read-also line")


@pytest.mark.parametrize(
    "prose",
    [
        "До теми повернення укриттів у школах міська рада ще повернеться на сесії в січні, "
        "коли підіб'ють підсумки року та ухвалять бюджет на наступний.",
        'Related to the <a href="/news/budget">city budget</a>, the mayor said the shelter '
        "cost less than planned because the school's own staff did part of the work.",
    ],
)
def test_a_paragraph_that_only_starts_like_a_marker_stays(prose: str) -> None:
    text, _ = newsmon(page(inside={4: f'<p class="_p1x9">{prose}</p>'}))
    assert lxml.html.fromstring(prose).text_content() in text


# -- blocks of other articles ------------------------------------------------------------

MOST_READ = """<div class="_h3k1 font-semibold">{heading}</div>
<div class="_l9m2">
<div class="_i1"><a href="/news/obmin">Обмін полоненими: додому повернулися 95 захисників</a>
<p class="_e">Серед звільнених є оборонці Маріуполя та цивільні, яких утримували в колоніях
на окупованих територіях, повідомив штаб.</p></div>
<div class="_i1"><a href="/news/polon-2">У полоні залишаються тисячі українців</a>
<p class="_e">Омбудсман закликав міжнародних партнерів посилити тиск на Росію, яка не пускає
до полонених представників Червоного Хреста.</p></div>
<div class="_i1"><a href="/news/weather">Синоптики попередили про ожеледицю</a>
<p class="_e">На дорогах області вночі очікують ожеледицю та мокрий сніг, водіїв просять не
виїжджати без потреби.</p></div>
</div>"""


@pytest.mark.parametrize(
    "heading", ["Найпопулярніше", "Самое читаемое", "Most read", "ЧИТАЙТЕ ТАКОЖ"]
)
def test_block_headed_as_other_articles(heading: str) -> None:
    html = page(after=MOST_READ.format(heading=heading))
    dropped = assert_left_out(html, "Серед звільнених є оборонці Маріуполя", "related heading")
    assert heading not in newsmon(html)[0]
    assert any(d.text == heading for d in dropped)


AGGREGATED = """<div class="_nl"><h1>Другие новости по этой теме</h1>{items}</div>"""
AGGREGATED_ITEM = """<div class="_ni"><h2><a href="/news/detail/id/{i}/">{headline}</a></h2>
<p><span class="url">{source}:</span> <span class="text">{excerpt}...</span></p>
<div class="_il"><span>Сегодня в 14:57</span> <span>YDAB11</span> <span>177</span>
<span>203</span> <span>8</span></div></div>"""
CUT_EXCERPTS = (
    (
        "Обмен пленными между Украиной и Россией отложен",
        "Стороны не смогли договориться о списках, сообщил источник, знакомый с ходом "
        "переговоров; по его словам, вопрос о гражданских, удерживаемых в колониях на "
        "оккупированных территориях, остаётся главным препятствием, а следующая встреча "
        "назначена на",
    ),
    (
        "Омбудсман рассказал о пленных из Мариуполя",
        "По данным омбудсмана, в плену остаются тысячи защитников города, а Красный Крест "
        "до сих пор не получил доступа к местам их содержания; родственники пленных "
        "собираются провести акцию у здания представительства организации в",
    ),
)


def test_aggregator_list_headed_by_an_h1_with_cut_excerpts() -> None:
    """newsland.ru: other outlets' teasers, each an excerpt cut at 250 characters."""
    items = "".join(
        AGGREGATED_ITEM.format(i=i, headline=h, source=src, excerpt=e)
        for i, ((h, e), src) in enumerate(zip(CUT_EXCERPTS, ("lenta.ru", "rg.ru"), strict=True))
    )
    html = page(after=AGGREGATED.format(items=items))
    assert_left_out(html, "lenta.ru: Стороны не смог", "related heading")


def test_teaser_card_inside_the_article() -> None:
    card = (
        '<a class="_c7v2 block" href="/news/2025/12/08/polon"><p class="_h9">Родини '
        "військовополонених вийшли на акцію в Києві</p></a>"
    )
    assert_left_out(page(inside={2: card}), "Родини військовополонених", "teaser link")


EXCERPT_CARD = """<div class="_s2"><a href="/news/{slug}"><img src="/i/{slug}.jpg" alt=""></a>
<a href="/news/{slug}"><strong>{headline}</strong></a><br>{excerpt}.....
{closing}</div>"""


@pytest.mark.parametrize(
    "closing",
    [
        '<a href="/news/{slug}">Читати новину...</a>',  # novostimira.com
        '<a href="/news/{slug}#comments" class="_c">27</a>',  # tengrinews.kz: comment count
    ],
)
def test_cards_with_long_excerpts_and_a_closing_link(closing: str) -> None:
    """Cards of "more news" whose excerpts are paragraphs long."""
    cards = "".join(
        EXCERPT_CARD.format(
            slug=slug,
            headline=headline,
            excerpt=" ".join(paragraphs),
            closing=closing.format(slug=slug),
        )
        for slug, headline, paragraphs in (
            ("obmin", "Україна повернула з полону 95 захисників", EXCHANGE[:3]),
            ("shelter", "Укриття в гімназії відремонтували", SHELTER[1:]),
        )
    )
    html = page(EXCHANGE[3:] + SHELTER[:1], after=cards)
    assert "Україна повернула з російського полону" in trafilatura_text(html)
    text, dropped = newsmon(html)
    assert text.splitlines() == [EXCHANGE[3], SHELTER[0]]
    assert [d.text[:20] for d in dropped if d.rule == "teaser link"][:2] == [
        "Україна повернула з ",
        "Укриття в гімназії в",
    ]


COLUMN_ITEM = """<li><h1 class="_sh"><img src="/i/{slug}.jpg" alt="">{headline}</h1>
<p><a href="/columns/{slug}">{excerpt}</a></p></li>"""


def test_a_sidebar_with_headlines_longer_than_a_line_of_prose() -> None:
    """veved.ru: a sidebar of links, among them authors' columns, each a headline (in an
    <h1>, longer than a line of prose) and its excerpt as the link. A headline is not
    prose: the sidebar goes whole as a link-dense block, not looked into as if it held
    part of the article."""
    items = "".join(
        COLUMN_ITEM.format(slug=slug, headline=headline, excerpt=excerpt)
        for slug, headline, excerpt in (
            (
                "polon",
                "Голова обласної ради Петро Коваль – про те, чому родини полонених мають "
                "отримувати виплати щомісяця, а не раз на пів року, як зараз",
                EXCHANGE[2],
            ),
            (
                "tsiny",
                "Економіст Андрій Мельник – ціни на пальне зростуть до весни, і "
                "пояснює, чому уряд не зможе цього зупинити навіть із резервами",
                SHELTER[1],
            ),
        )
    )
    popular = "".join(
        f'<li>1{i}:05 <a href="/news/{i}">Рятувальники розчистили дороги в районі {i}</a></li>'
        for i in range(16)
    )
    sidebar = (
        f'<div class="_b5"><div class="_c1"><h3><a href="/columns">Колонки</a></h3>'
        f'<ul>{items}</ul></div><div class="_c2"><ul>{popular}</ul></div></div>'
    )
    tree = lxml.html.fromstring(page(outside=sidebar))
    dropped: list[Dropped] = []
    clean_tree(tree, URL, dropped)
    assert [d.text[:7] for d in dropped if d.rule == "link-dense block"] == ["Головна", "Колонки"]
    assert not tree.xpath("//div[@class='_b5']")
    assert len(tree.xpath("//p")) == len(SHELTER)


def test_an_article_that_ends_in_a_link_to_its_next_page_stays() -> None:
    page_2 = "/news/2025/12/09/ukryttia?page=2"
    next_page = f'<p class="_p1x9"><a href="{page_2}">2</a> <a href="{page_2}">Читати далі</a></p>'
    text, _ = newsmon(page(inside={4: next_page}))
    assert text.splitlines()[:4] == list(SHELTER)


def test_a_run_of_cut_excerpts_is_left_out() -> None:
    """19rus.info: a column of other stories' first lines, each cut off with "..."."""
    cut = [f"<p>{p[:90].rsplit(' ', 1)[0]}...</p>" for p in (*EXCHANGE[:2], SHELTER[3])]
    html = page(after='<div class="_r3">' + "".join(cut) + "</div>")
    assert "Це вже шістдесятий обмін" in trafilatura_text(html)
    text, dropped = newsmon(html)
    assert text.splitlines() == list(SHELTER)
    assert sum(d.rule == "cut excerpts" for d in dropped) == 3


def test_speech_that_trails_off_stays() -> None:
    trailing = (
        "«Ми чекали його чотирнадцять місяців...",
        "Щодня дзвонили на гарячу лінію...",
        "І ось він удома», — каже мати.",
    )
    text, _ = newsmon(page((*EXCHANGE, *trailing)))
    assert text.splitlines() == [*EXCHANGE, *trailing]


def test_table_of_links_inside_the_column() -> None:
    rows = "".join(
        f'<tr><td><a href="/news/{i}">{headline}</a></td><td>{time}</td></tr>'
        for i, (headline, time) in enumerate(
            (
                ("Обмін полоненими: додому повернулися 95 захисників", "09:12"),
                ("Омбудсман назвав кількість цивільних у полоні", "08:40"),
                ("Синоптики попередили про ожеледицю на дорогах області", "18:05"),
            )
        )
    )
    html = page(after=f'<table class="_x1">{rows}</table>')
    assert_left_out(html, "Омбудсман назвав кількість", "link-dense block")


def test_a_link_inside_a_paragraph_stays() -> None:
    linked = (
        'Роботи оплатили з <a href="/news/budget-2025">міського бюджету на наступний рік</a> '
        "та коштів міжнародних партнерів, повідомив міський голова на брифінгу в мерії."
    )
    html = page(inside={1: f'<p class="_p1x9">{linked}</p>'})
    text, _ = newsmon(html)
    assert "міського бюджету на наступний рік та коштів" in text


def test_headline_list_after_links_on_the_topic() -> None:
    """newsru.com style: "Ссылки по теме:" and headline/date pairs outside any link list."""
    related = (
        '<p class="_z">Ссылки по теме:</p>'
        '<p class="_z"><a href="/world/1">Обмен пленными между Украиной и Россией отложен</a></p>'
        '<p class="_z">// Новости // В мире // 3 января 2012 г.</p>'
        '<p class="_z"><a href="/world/2">Омбудсман рассказал о пленных в Мариуполе</a></p>'
        '<p class="_z">// Новости // В мире // 26 декабря 2011 г.</p>'
    )
    html = page(after=related)
    assert_left_out(html, "// Новости // В мире // 3 января 2012 г.", "related heading")
    assert "Ссылки по теме" not in newsmon(html)[0]


def test_headlines_with_their_dates_after_the_article() -> None:
    """utro.ru: other stories as a linked headline and a dateline each, no heading
    (read at the lines, as trafilatura hands them over on that site)."""
    headlines = ("Обмін полоненими відклали", "Омбудсман про полонених з Маріуполя")
    lines = [*SHELTER]
    for headline, date in zip(headlines, ("24 жовтня 2025", "19 жовтня 2025"), strict=True):
        lines += [f"- {headline}", f"Житомир.Інфо, розділ Суспільство, {date}"]
    dropped: list[Dropped] = []
    assert clean_lines(lines, set(headlines), dropped) == list(SHELTER)
    assert [d.rule for d in dropped] == ["linked line"] * 4


# -- comments ---------------------------------------------------------------------------

COMMENTS = """<div class="_t1t2">{heading}</div>
<div class="_m1"><div class="_a1">Олег</div><p class="_q2">Коли вже повернуть усіх полонених? Мій
брат уже другий рік у полоні, і ніхто нічого не каже родинам.</p></div>
<div class="_m1"><div class="_a1">Ірина</div><p class="_q2">Обмін полоненими треба робити
частіше, а не раз на кілька місяців, люди там гинуть.</p></div>"""


@pytest.mark.parametrize("heading", ["Коментарі (2)", "Комментарии", "2 Comments"])
def test_comment_section_after_the_article(heading: str) -> None:
    html = page(after=COMMENTS.format(heading=heading))
    assert_left_out(html, "Мій брат уже другий рік у полоні", "comments")


def test_a_comment_count_above_the_article_leaves_the_article_alone() -> None:
    counter = '<div class="_cc">12 коментарів</div>'
    text, _ = newsmon(page(inside={0: counter}))
    assert all(p in text for p in SHELTER)


@pytest.mark.parametrize(
    "counter",
    [
        '<a class="article-commented-link comments_count" title="Оставить комментарий">0</a>',
        '<span class="likes">12</span>',
        '<span title="Коментарі">3</span>',
        '<a class="comments_count">0</a><span class="_b">',  # before the paragraph's <span>
    ],
)
def test_a_counter_inside_each_paragraph_is_left_out(counter: str) -> None:
    html = page().replace(b'<p class="_p1x9">', f'<p class="_p1x9">{counter}'.encode())
    assert any(line[0].isdigit() for line in trafilatura_text(html).splitlines() if line)
    text, dropped = newsmon(html)
    assert text.splitlines()[:4] == list(SHELTER)
    assert any(d.rule == "counter" for d in dropped)


HOVER_CARD = (
    '<p class="_p1x9">Про укриття розповів омбудсман <span class="_rp">'
    '<a href="/people/lubinets">Дмитро Лубінець</a><span class="_rb"><span>'
    '<img src="/i/lubinets.jpg" alt=""><a href="/people/lubinets">Дмитро Лубінець</a>'
    '<a href="/news/obmin">Україна повернула з полону 95 захисників</a> '
    '<a href="/news/polon">Лубінець: у російському полоні лишаються тисячі українців</a>'
    "</span></span></span>, який відвідав гімназію.</p>"
)


def test_a_hover_card_inside_a_paragraph_goes_and_the_name_stays() -> None:
    """thehill.com: a person's other headlines, hidden in the sentence until hovered."""
    html = page(inside={1: HOVER_CARD})
    assert "Лубінець: у російському полоні" in trafilatura_text(html)
    text, dropped = newsmon(html)
    assert "Про укриття розповів омбудсман Дмитро Лубінець, який відвідав гімназію." in text
    assert "полон" not in text
    assert [d.rule for d in dropped if "95 захисників" in d.text] == ["hover card"]


def test_links_in_a_sentence_inside_a_span_stay() -> None:
    sentence = (
        '<p class="_p1x9"><span class="_q">Раніше ми писали, що <a href="/news/obmin">Україна '
        'повернула з полону 95 захисників</a>, а також про те, що <a href="/news/most">у '
        "Житомирі відкрили новий міст через Тетерів</a>.</span></p>"
    )
    text, dropped = newsmon(page(inside={4: sentence}))
    assert "Україна повернула з полону 95 захисників, а також про те, що у Житомирі" in text
    assert not [d for d in dropped if d.rule == "hover card"]


def test_a_number_in_a_paragraph_stays() -> None:
    html = page(EXCHANGE).replace(b"95 ", b'<b class="count">95</b> ')
    text, _ = newsmon(html)
    assert EXCHANGE[0] in text


# -- prompts, notices and controls --------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "needle", "rule"),
    [
        (
            '<div class="_r5t1"><p class="_r6">Підписуйтесь на наш Telegram-канал, щоб першими '
            "дізнаватися новини</p></div>",
            "Підписуйтесь на наш Telegram-канал",
            "subscribe prompt",
        ),
        (
            '<p class="_r6">Подписывайтесь на наш канал в Telegram и читайте новости первыми</p>',
            "Подписывайтесь на наш канал",
            "subscribe prompt",
        ),
        (
            '<p class="_r6">Like this story? Share it with a friend!</p>',
            "Share it with a friend",
            "subscribe prompt",
        ),
        (
            '<p class="_ck1">Ми використовуємо файли cookie, щоб сайт працював краще. '
            "Продовжуючи, ви погоджуєтеся з політикою конфіденційності.</p>",
            "файли cookie",
            "cookie notice",
        ),
        (
            '<p class="_ck1">We use cookies to improve your experience on our site.</p>',
            "We use cookies",
            "cookie notice",
        ),
        (
            '<p class="_f1">© 2025 Житомир.Інфо. Усі права захищено.</p>',
            "Усі права захищено",
            "copyright or legal line",
        ),
        (
            '<p class="_f2">При використанні матеріалів сайту посилання на Житомир.Інфо '
            "обов'язкове.</p>",
            "При використанні матеріалів",
            "copyright or legal line",
        ),
        (
            '<p class="_e1">Выделите любой фрагмент прямо в тексте статьи и нажмите '
            "Ctrl+Insert</p>",
            "Выделите любой фрагмент",
            "copyright or legal line",
        ),
        (
            '<p class="_sh">Добавить в закладки и поделиться:</p>',
            "Добавить в закладки",
            "notice or control",
        ),
        (
            '<p class="_lg">Щоб залишити коментар, увійдіть або зареєструйтеся.</p>',
            "Щоб залишити коментар",
            "copyright or legal line",
        ),
        (
            '<p class="_lg">Зарегистрируйтесь или войдите, чтобы оставить комментарий '
            "(сейчас комментариев: 0)</p>",
            "Зарегистрируйтесь или войдите",
            "copyright or legal line",
        ),
        (
            '<p class="_lg">Увійдіть, щоб залишити коментар.</p>',
            "Увійдіть, щоб залишити",
            "copyright or legal line",
        ),
        (
            '<p class="_by">Олена Коваль © Житомир.Інфо</p>',
            "Олена Коваль ©",
            "copyright or legal line",
        ),
    ],
)
def test_prompts_notices_and_imprint(markup: str, needle: str, rule: str) -> None:
    assert_left_out(page(after=markup), needle, rule)


IMPRINT = (
    "Телефон редакції: +380 (412) 22-33-44",
    "E-mail: news@zhytomyr.example.ua",
    "© 2025 Житомир.Інфо. Усі права захищено.",
    "Засновник: ТОВ «Житомир Медіа», головний редактор Олена Коваль",
)
HOTLINE = (
    "Родини полонених можуть звернутися на гарячу лінію Координаційного штабу.",
    "Телефон: 0 800 300 529",
    "E-mail: info@koordshtab.example.ua",
)


def test_contact_lines_beside_a_copyright_line_go_with_it() -> None:
    imprint = '<div class="_b9">' + "".join(f"<p>{line}</p>" for line in IMPRINT) + "</div>"
    html = page(after=imprint)
    assert "Телефон редакції" in trafilatura_text(html)
    text, dropped = newsmon(html)
    assert text.splitlines() == list(SHELTER)
    assert {d.rule for d in dropped if "Телефон" in d.text or "E-mail" in d.text} == {"imprint"}


FOOTER_TAIL = (
    "Дизайн-макет: Олег Петренко, Ірина Бондар",
    "Хостинг – ТОВ «Житомир Нет»",
    "0,0951 seconds",
)


def test_the_short_lines_that_end_the_page_after_an_imprint_go_with_it() -> None:
    footer = "".join(f"<p>{line}</p>" for line in (*IMPRINT, *FOOTER_TAIL))
    html = page(after=f'<div class="_b9">{footer}</div>')
    assert "Дизайн-макет" in trafilatura_text(html)
    text, dropped = newsmon(html)
    assert text.splitlines() == list(SHELTER)
    assert [d.text for d in dropped if d.rule == "imprint"][-3:] == list(FOOTER_TAIL)


def test_short_paragraphs_after_a_photo_credit_stay() -> None:
    lines = [SHELTER[0], "Фото: © Олена Коваль", "Роботи тривали чотири місяці.", "Так."]
    assert clean_lines(lines, set(), []) == [SHELTER[0], *lines[2:]]


def test_contacts_that_end_an_article_stay() -> None:
    text, _ = newsmon(page((*EXCHANGE, *HOTLINE)))
    assert text.splitlines() == [*EXCHANGE, *HOTLINE]


def test_photo_gallery_navigation() -> None:
    gallery = (
        '<div class="_g0"><p class="_g1">Попереднє фото</p><p class="_g2">3 / 12</p>'
        '<p class="_g3">Наступне фото</p></div>'
    )
    html = page(inside={3: gallery})
    assert_left_out(html, "Наступне фото", "gallery control")
    assert "3 / 12" not in newsmon(html)[0]


def test_a_paragraph_about_a_telegram_channel_stays() -> None:
    quote = (
        "Про завершення робіт міський голова повідомив у своєму Telegram-каналі, додавши, що "
        "підписуватися на оновлення батьки можуть на сайті міськради."
    )
    text, _ = newsmon(page((*SHELTER, quote)))
    assert quote in text


# -- the lines after trafilatura -----------------------------------------------------------


def test_clean_lines_rules() -> None:
    dropped: list[Dropped] = []
    lines = [
        SHELTER[0],
        "Читайте також: Україна повернула з полону 95 захисників",
        "28 ноября 2011, 14:15 [ «АН-online» ]",
        "| Рамблер-Новости |  |",
        "Урогенитальный хламидиоз нередко протекает бессимптомно, но его осложнения опасны.",
        "Читать дальше",
        SHELTER[1],
        "|  |  |",
        "\t\t\t",
        "\xa0 ",
    ]
    kept = clean_lines(lines, {"Рамблер-Новости"}, dropped)
    assert kept == [SHELTER[0], "| Рамблер-Новости |  |", SHELTER[1]]
    assert [d.rule for d in dropped] == [
        "read-also line",
        "date or metadata line",
        "read more",
        "read more",
        "empty table row",
    ]


def test_a_rubric_and_a_dateline_above_the_headline() -> None:
    """kp.ru heads every article "Новости 24"; cxid.info puts the time and rubric first."""
    title = "У Житомирі відремонтували укриття в гімназії"
    lines = ["Новини 24", "Сьогодні, 10:00 • Новини регіону", title, *SHELTER]
    dropped: list[Dropped] = []
    kept = drop_rubrics(lines, lambda: f"{title} | Житомир.Інфо", dropped)
    assert kept == [title, *SHELTER]
    assert [(d.rule, d.text) for d in dropped] == [
        ("rubric", "Новини 24"),
        ("rubric", "Сьогодні, 10:00 • Новини регіону"),
    ]


@pytest.mark.parametrize(
    "lines",
    [
        # no headline below: a short first paragraph is the article's
        ["Увага, тривога!", SHELTER[0], SHELTER[1]],
        # a long line before the headline: not a rubric
        ["Новини регіону", SHELTER[0], "У Житомирі відремонтували укриття в гімназії"],
    ],
)
def test_short_lines_not_above_the_headline_stay(lines: list[str]) -> None:
    dropped: list[Dropped] = []
    kept = drop_rubrics(lines, lambda: "У Житомирі відремонтували укриття в гімназії", dropped)
    assert kept == lines and not dropped


def test_a_text_that_opens_with_prose_does_not_read_the_headline() -> None:
    def headline() -> str:
        raise AssertionError("the page was read for its headline")

    assert drop_rubrics(list(SHELTER), headline, []) == list(SHELTER)


def test_a_run_of_linked_lines_goes_and_a_single_one_stays() -> None:
    anchors = {"Перша новина про обмін полоненими", "Друга новина про обмін", "Текст посилання"}
    lines = [SHELTER[0], "Текст посилання", SHELTER[1]]
    lines += ["Перша новина про обмін полоненими", "Друга новина про обмін"]
    dropped: list[Dropped] = []
    assert clean_lines(lines, anchors, dropped) == [SHELTER[0], "Текст посилання", SHELTER[1]]
    assert [d.rule for d in dropped] == ["linked line", "linked line"]


def test_a_single_linked_list_item_goes() -> None:
    lines = [SHELTER[0], "- Перша новина про обмін полоненими", SHELTER[1]]
    dropped: list[Dropped] = []
    assert clean_lines(lines, {"Перша новина про обмін полоненими"}, dropped) == [
        SHELTER[0],
        SHELTER[1],
    ]
    assert [d.rule for d in dropped] == ["linked line"]


def test_a_counter_before_a_paragraph_of_links_goes_with_them() -> None:
    """rus.ruvr.ru: "0- <headline>" in a paragraph of links inside the article."""
    links = (
        '<p class="_p1x9"><a class="comments_count" title="Оставить комментарий">0</a>- '
        '<strong><a href="/news/obmin">Україна повернула з полону 95 захисників</a></strong>'
        '<br>- <strong><a href="/news/most">У Житомирі відкрили новий міст</a></strong></p>'
    )
    html = page(inside={2: links})
    assert "0- Україна повернула з полону" in trafilatura_text(html)
    text, dropped = newsmon(html)
    assert text.splitlines() == list(SHELTER)
    assert {d.rule for d in dropped} >= {"counter", "linked line"}


def test_attribution_lines_that_end_the_text_go() -> None:
    lines = [SHELTER[0], SHELTER[1], "За матеріалами Укрінформу", "Переглядів: 1520"]
    lines += ["Джерело: Житомирська ОВА"]
    dropped: list[Dropped] = []
    assert clean_lines(lines, set(), dropped) == [SHELTER[0], SHELTER[1]]
    assert [d.rule for d in dropped] == ["source line", "date or metadata line", "source line"]


def test_attribution_inside_the_text_stays() -> None:
    # Ukrainska Pravda opens its news with the source; a sentence may start like one
    lines = ["Джерело: Координаційний штаб", SHELTER[0], "За інформацією штабу, обмін триває."]
    lines += [SHELTER[1], "За інформацією ДСНС, загиблих немає."]
    assert clean_lines(lines, set(), []) == lines


# -- site rules ----------------------------------------------------------------------------


def test_site_drop_rule_removes_what_no_generic_rule_knows() -> None:
    promo = '<div class="promo-4f2"><p>Наш фонд збирає на дрони для бригади, долучайтеся!</p></div>'
    html = page(inside={2: promo})
    assert "збирає на дрони" in newsmon(html)[0]
    text, dropped = newsmon(html, Site(SiteRules(drop=("div.promo-4f2",))))
    assert "збирає на дрони" not in text
    assert all(p in text for p in SHELTER)
    assert any(d.rule.startswith("site rule") and "дрони" in d.text for d in dropped)


def test_site_body_rule_keeps_only_the_article() -> None:
    elsewhere = SHELTER[0].replace("Житомирі", "Києві")
    aside = f'<div class="_s0"><p class="_s1">{elsewhere}</p></div>'
    html = page(inside={0: '<div class="text-body">'}, after="</div>" + aside)
    rules = SiteRules(body="div.text-body")
    text, dropped = newsmon(html, Site(rules))
    assert "Києві" not in text
    assert all(p in text for p in SHELTER)
    assert any(d.rule == "outside the site's body container" for d in dropped)


def test_a_body_rule_that_matches_nothing_reads_the_whole_page() -> None:
    rules = SiteRules(body="div.no-such-box")
    text, _ = newsmon(page(), Site(rules))
    assert all(p in text for p in SHELTER)


# -- flags follow (issue 5, point 6) -------------------------------------------------------

CAPTIVITY_SIDEBAR = MOST_READ.format(heading="Найпопулярніше")
CAPTIVITY_COMMENTS = COMMENTS.format(heading="Коментарі (2)")
READ_ALSO = (
    '<p class="_p1x9"><strong class="_s3k">Читайте також:</strong> '
    '<a href="/news/obmin-95">Україна повернула з полону 95 захисників</a></p>'
)


@pytest.fixture(scope="module")
def topic() -> Topic:
    return load_topic()


def article_page(paragraphs: tuple[str, ...], title: str) -> bytes:
    return page(
        paragraphs,
        inside={2: READ_ALSO},
        after=CAPTIVITY_SIDEBAR + CAPTIVITY_COMMENTS,
        title=title,
    )


def test_captivity_in_the_boilerplate_does_not_flag_an_article_about_shelters(
    topic: Topic,
) -> None:
    title = "У Житомирі відремонтували укриття в гімназії"
    html = article_page(SHELTER, title)
    assert classify(title, trafilatura_text(html), "uk", topic).flag, (
        "trafilatura's text alone is flagged: the boilerplate is what this test is about"
    )
    text, _ = newsmon(html)
    assert not classify(title, text, "uk", topic).flag


def test_the_same_page_about_an_exchange_is_flagged(topic: Topic) -> None:
    title = "Україна повернула з полону ще 95 захисників"
    text, _ = newsmon(article_page(EXCHANGE, title))
    assert all(p in text for p in EXCHANGE)
    assert classify(title, text, "uk", topic).flag
    assert classify("Обмін відбувся", text, "uk", topic).flag, "the text alone flags too"


def test_a_teaser_list_of_rubrics_headlines_excerpts_and_dates_goes_whole() -> None:
    """A WordPress "recent posts" block as trafilatura renders it, line by line."""
    lines = [
        SHELTER[0],
        "Свіжі дописи",
        "  • Новини",
        "Уряд виділив 150 млн грн на програму повернення українців із закордону",
        "Кабінет Міністрів схвалив виділення коштів на нову бюджетну програму… Читати більше",
        "Tuesday March 4th, 2025",
        "  • Новини",
        "У Львові стартував проєкт підтримки для жінок, які втратили чоловіків на війні",
    ]
    dropped: list[Dropped] = []
    assert clean_lines(lines, set(), dropped) == [SHELTER[0]]
    assert {d.rule for d in dropped} == {"related heading", "read more", "date or metadata line"}


@pytest.mark.parametrize(
    "line",
    [
        "2 min read",
        "Переглядів: 1520",
        "Прочтений: 431",
        "Теги: обмін полоненими, Київщина",
        "Відео дня",
        "Більше інформації:",
        "ТОП-новини дня",
        "Оцініть матеріал",
        "Ми в соцмережах",
        "Посилання скопійовано",
        # channels, with softer verbs or the verb last
        "Читайте Суспільне Новини у Telegram, Viber, Instagram та Facebook",
        "Більше новин — у нашому Telegram-каналі",
        "Головне за день — у розсилці. Підпишіться",
        # asking for support, or to install the site's app
        "Підтримайте незалежну журналістику",
        "Якщо ви хочете підтримати нашу роботу, станьте нашим патроном",
        "Ставай частиною спільноти",
        "Поддержите нас на Patreon",
        "Завантажуйте наш мобільний застосунок",
    ],
)
def test_metadata_and_promo_lines(line: str) -> None:
    assert clean_lines([SHELTER[0], line], set(), []) == [SHELTER[0]]


@pytest.mark.parametrize(
    "line",
    [
        "Президент закликав підтримати наших захисників.",
        "Підтримати збір на дрони для бригади можна за посиланням.",
        "Уряд виділив наші додаткові кошти на обмін.",
        "Координаційний штаб повідомив про це у Telegram.",
        "Читайте, знайомтеся і голосуйте за учасника на останній сторінці!",
    ],
)
def test_sentences_about_support_and_channels_stay(line: str) -> None:
    assert clean_lines([SHELTER[0], line], set(), []) == [SHELTER[0], line]


# -- tables that lay out the page ------------------------------------------------------------


def layout_table_page() -> bytes:
    """An old-style page: a menu cell and a cell holding the article, then teasers."""
    teasers = "".join(
        f'<a href="/news/{i}"><b>{escape(headline)}</b></a> {escape(excerpt)}<br>'
        for i, (headline, excerpt) in enumerate(
            (
                (
                    "Синоптики попередили про ожеледицю на дорогах області",
                    "Вночі похолодає до мінус восьми, вдень на трасах можлива ожеледиця.",
                ),
                (
                    "У Коростені відкрили новий пункт незламності",
                    "Пункт працює цілодобово: тут можна зігрітися й зарядити телефон.",
                ),
                (
                    "Обласна лікарня отримала новий апарат МРТ",
                    "Обладнання передали партнери, перші пацієнти пройдуть обстеження за тиждень.",
                ),
            )
        )
    )
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in SHELTER)
    return f"""<!DOCTYPE html><html lang="uk"><head><meta charset="utf-8">
<title>Укриття | Житомир.Інфо</title></head><body>
<table width="100%"><tr>
<td width="180"><a href="/">Головна</a><br><a href="/news">Новини</a></td>
<td><h1>У Житомирі відремонтували укриття в гімназії</h1>{paragraphs}
<b>Останні новини</b><br>{teasers}</td>
</tr></table></body></html>""".encode()


def test_a_table_that_lays_out_the_page_is_read_as_boxes() -> None:
    html = layout_table_page()
    assert trafilatura_text(html).startswith("| "), "trafilatura reads it as data"
    text, _ = newsmon(html)
    assert text.split("\n")[-len(SHELTER) :] == list(SHELTER)
    assert "ожеледицю" not in text
    assert "Головна" not in text


def test_data_tables_stay_tables() -> None:
    data = (
        "<table><tr><td>Житомир</td><td>12 укриттів</td></tr>"
        "<tr><td>Коростень</td><td>4</td></tr></table>"
    )
    long_cell = "<td>" + " ".join(SHELTER) + "</td>"
    html = f"""<html><body>{data}
<table id="layout"><tr>{long_cell}<td><p>Меню</p>{data}</td></tr></table></body></html>"""
    tree = lxml.html.fromstring(html)
    assert unwrap_layout_tables(tree) == 1
    assert [t.get("id") for t in tree.iter("table")] == [None, None]  # both data tables
    layout = tree.get_element_by_id("layout")
    assert layout.tag == "div"
    assert {e.tag for e in layout.iterdescendants()} == {"div", "p", "table", "tr", "td"}


@pytest.mark.parametrize(
    "raw",
    [
        "  Читайте\n   також: ",
        "ПОВ’ЯЗАНІ НОВИНИ",
        "Editor`s picks",
        "12 коментарів",
        "Комментарии (3)",
        "Read also: how the exchange was prepared",
        "See\u00a0also",
    ],
)
def test_the_quick_test_lets_every_marker_through(raw: str) -> None:
    # _drop_marked_blocks skips the full test for texts that fail _MAYBE_MARKER: it must
    # never fail a text that the full test recognises.
    from crawler.boilerplate import _MAYBE_MARKER, _marker, _squash

    assert _marker(_squash(raw)) is not None
    assert _MAYBE_MARKER.match(raw)
