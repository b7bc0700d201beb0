"""Boilerplate that trafilatura keeps, removed before and after it: site rules, generic rules.

trafilatura drops navigation, sidebars and footers by their class names and link density.
What it keeps on news pages is what newsmon's alerts trip over: an inline "Читайте також:
…" line, a "Most read" list without telling class names, readers' comments, share and
subscribe prompts, cookie notices, teaser cards inside the article body (class names
hashed by CSS modules or Tailwind say nothing). The rules here look at text and links,
in Ukrainian, Russian and English, not at class names.

Every removal is recorded as a ``Dropped`` (rule name and the start of the text), so that
``newsmon extract --explain`` can show why a line is missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from cssselect import HTMLTranslator, SelectorError
from lxml import etree
from trafilatura.xpaths import (
    OVERALL_DISCARD_XPATH,
    PRECISION_DISCARD_XPATH,
    REGEXP_NS,
    REMOVE_COMMENTS_XPATH,
    TEASER_DISCARD_XPATH,
)

# -- per-site rules ------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteRules:
    """A source's own rules: CSS selectors or XPath expressions, as written in the config
    (which has checked them with ``selector_xpath``).

    Plain strings, not compiled expressions: they travel to the worker processes with
    every page, and each worker translates and compiles a selector once.
    """

    drop: tuple[str, ...] = ()  # elements removed before extraction
    body: str | None = None  # the container of the article text, where the page has one


@dataclass(frozen=True)
class Dropped:
    """One piece of a page left out, and the rule that left it out."""

    rule: str
    text: str  # its first characters, white space squashed


@lru_cache(maxsize=1024)
def selector_xpath(selector: str) -> str:
    """XPath of a CSS selector, or the XPath itself; ValueError if it is neither.

    An expression starting with "/", "./", "(" or an axis ("descendant::") is taken as
    XPath, anything else as CSS.
    """
    selector = selector.strip()
    if not selector:
        raise ValueError("an empty selector")
    if selector.startswith(("/", "./", "(")) or _AXIS.match(selector):
        xpath = selector
    else:
        try:
            xpath = HTMLTranslator().css_to_xpath(selector)
        except SelectorError as e:
            raise ValueError(f"{selector!r} is not a CSS selector: {e}") from e
    try:
        _compiled(xpath)
    except etree.XPathSyntaxError as e:
        raise ValueError(f"{selector!r} is not a valid XPath: {e}") from e
    return xpath


_AXIS = re.compile(r"[a-z-]+::")


@lru_cache(maxsize=1024)
def _compiled(xpath: str) -> etree.XPath:
    return etree.XPath(xpath)


def apply_site_rules(tree: Any, rules: SiteRules, dropped: list[Dropped]) -> None:
    """Narrow the page to the rule's body container (if found) and remove the drop matches."""
    if rules.body is not None:
        _keep_only(tree, rules.body, dropped)
    for selector in rules.drop:
        for element in _elements(tree, selector):
            _drop(element, f"site rule {selector}", dropped)


def _elements(tree: Any, selector: str) -> list[Any]:
    try:
        found = _compiled(selector_xpath(selector))(tree)
    except (ValueError, etree.XPathEvalError):  # e.g. an unknown function: it never matches
        return []
    return [e for e in found if isinstance(e, etree._Element) and e.getparent() is not None]


def _keep_only(tree: Any, selector: str, dropped: list[Dropped]) -> None:
    """Remove everything around the first match of ``selector``, its ancestors kept.

    The chain of ancestors stays (only their other children go) because trafilatura reads
    the page's structure: an <article> or a <div class="content"> above the text tells it
    where to look, and a bare text box under <body> is read differently.
    """
    found = _elements(tree, selector)
    body = tree.find(".//body")
    if not found or body is None or not _inside(found[0], body):
        return  # not this page's layout (a video page, a live blog): generic rules only
    node = found[0]
    removed = []
    while node is not body:
        parent = node.getparent()
        for sibling in list(parent):
            if sibling is not node:
                if isinstance(sibling.tag, str):
                    removed.append(_squash(sibling.text_content()))
                parent.remove(sibling)
        parent.text = None
        node.tail = None
        node = parent
    text = " ".join(t for t in removed if t)
    if text:
        dropped.append(Dropped("outside the site's body container", text[:_SAMPLE]))


def _inside(element: Any, ancestor: Any) -> bool:
    return any(a is ancestor for a in element.iterancestors())


# -- generic rules -------------------------------------------------------------------------

_SAMPLE = 100

# Headings of lists of other articles; also the start of an inline "read also" line.
_RELATED_INLINE = (
    # uk
    "читайте також|читати також|також читайте|дивіться також|див. також|дивись також"
    "|слухайте також|до теми|по темі|за темою|більше на тему|більше по темі"
    # ru
    "|читайте также|читать также|также читайте|смотрите также|см. также|по теме|к теме"
    "|читайте(?=\\s*:)"
    "|еще по теме|ещё по теме|больше по теме|ранее на тему|читайте в разделе"
    # en
    "|read also|also read|see also|related|read more|more on this|also on \\S+"
)
_RELATED_HEADING = (
    _RELATED_INLINE
    # uk
    + "|більше новин|більше статей|більше матеріалів|новини партнерів|новини по темі"
    "|новини за темою|інші новини|останні новини|всі новини|усі новини|свіжі новини"
    "|свіжі дописи|популярне|популярні новини|найпопулярніше|найчитаніше|найбільш читане"
    "|рекомендуємо|вас може зацікавити|вам може бути цікаво|вам буде цікаво|схожі новини"
    "|схожі матеріали|схожі статті|пов'язані новини|пов'язані матеріали|головне за день"
    "|новини дня|стрічка новин|публікації|новини компаній|відео дня|фото дня"
    # ru
    "|больше новостей|другие новости|новости партнеров|новости по теме|материалы по теме"
    "|похожие новости|похожие материалы|последние новости|все новости|популярное"
    "|самое популярное|самое читаемое|самые популярные новости|самые читаемые|рекомендуем"
    "|вам может быть интересно|вас может заинтересовать|главное за день|другие материалы"
    "|еще новости|ещё новости|лента новостей|новости дня|новости компаний|публикации|видео дня"
    "|самые популярные новости наших партнеров|новости сми2|интересное|ссылки по теме"
    "|читайте в этом разделе|статьи по разделам|другие новости по теме|новости раздела"
    "|другие новости по этой теме|новости по этой теме|материалы по этой теме"
    "|інші новини на цю тему|новини на цю тему|матеріали на цю тему"
    "|последние новости раздела|в разделе|посилання на тему|інші новини розділу"
    "|топ-новини|топ-новини дня|топ новини|топ-новости|топ-новости дня|топ новости"
    "|больше информации|більше інформації"
    # en
    "|related articles|related news|related stories|related content|related coverage"
    "|related posts|related topics|more from \\S+|more on this story|more stories|more news"
    "|more about|most read|most popular|most viewed|trending|trending now|recommended"
    "|recommended for you|you may also like|you might also like|you may be interested in"
    "|latest|latest news|latest stories|hot news|top stories|editor's picks|don't miss"
    "|further reading|what to read next|up next|read next|popular"
)
_COMMENTS_HEADING = (
    r"(?:\d+\s+)?(?:коментар(?:і|ів|я)?|комментари(?:и|ев|я|й)?|comments?|відгуки|отзывы)"
    r"(?:\s*\(?\d+\)?)?"
    "|залишити коментар|залиште коментар|додати коментар|написати коментар"
    "|оставить комментарий|добавить комментарий|написать комментарий|обсуждение материала"
    "|leave a comment|leave a reply|post a comment|add a comment|join the discussion"
    "|join the conversation"
)
_TRAILING = r"[\s:.,;!…»›>→–—-]*"
_RELATED_HEADING_RE = re.compile(rf"(?:{_RELATED_HEADING}){_TRAILING}")
_RELATED_INLINE_RE = re.compile(rf"(?:{_RELATED_INLINE})(?=\W|$|[A-ZА-ЯІЇЄҐ])", re.IGNORECASE)
_COMMENTS_HEADING_RE = re.compile(rf"(?:{_COMMENTS_HEADING}){_TRAILING}")
# What every text _marker recognises starts with, read on the raw text (any white space,
# any case, any apostrophe): most of a page's short texts fail it at their first letter,
# and skip the squashing, lowering and three patterns that cost a fifth of clean_tree.
_MAYBE_MARKER = re.compile(
    r"\s*(?:{})".format(
        f"{_RELATED_HEADING}|{_COMMENTS_HEADING}".replace(" ", r"\s+").replace("'", "['’ʼ`]")
    ),
    re.IGNORECASE,
)

# Short blocks that are a prompt, a notice or a control, not news.
_PROMPT_VERB = (
    r"підписуйтес[ья]|підпишіться|підписатися|приєднуйтес[ья]|слідкуйте за нами"
    r"|стежте за нами|читайте нас|дивіться нас|подписывайтесь|подпишитесь|подписаться"
    r"|присоединяйтесь|следите за нами|читайте нас|subscribe|sign up|follow us|join us"
    r"|share this|share it|share on|like us on|поделиться|поділитися|добавить в закладки"
)
_MESSENGER = (
    r"telegram|телеграм|viber|вайбер|facebook|фейсбук|instagram|інстаграм|инстаграм"
    r"|youtube|ютуб|twitter|твіттер|твиттер|tiktok|тікток|whatsapp|google news"
)
_CHANNEL = (
    _MESSENGER
    + r"|канал|сторінк|страниц|соцмереж|соцсет|newsletter|розсилк|розсилц|рассылк|inbox|friend"
    r"|друз"
)
_PROMPT_RE = re.compile(
    rf"\b(?:{_PROMPT_VERB})\b.*\b(?:{_CHANNEL})"
    # the channel first: "Головне за день — у розсилці. Підпишіться"
    rf"|\b(?:{_CHANNEL}).*\b(?:підпишіться|підписуйтес[ья]|подпишитесь|подписывайтесь)\b"
    # softer verbs, with a messenger or network: "Читайте Суспільне Новини у Telegram"
    r"|\b(?:читайте|стежте за|слідкуйте за|следите за|більше новин|больше новостей|more news)\b"
    rf".*\b(?:{_MESSENGER})",
    re.DOTALL,
)
# Asking readers for money or to install the site's app: "Підтримайте незалежну
# журналістику", "Стати патроном", "Завантажуйте наш мобільний застосунок".
_SUPPORT_RE = re.compile(
    r"^(?:якщо ви хочете |если вы хотите |if you (?:like|want to) )?"
    r"(?:підтримайте|підтримати|підтримай|поддержите|поддержать|поддержи|support)\b"
    r"[^.]{0,40}\b(?:нас|нашу роботу|наш проєкт|наш проект|наше видання|наше издание"
    r"|нашу редакцію|нашу редакцию|журналістик\w*|журналистик\w*|незалежн\w* (?:медіа|видання)"
    r"|независим\w* (?:сми|издани\w*)|us|our work|our journalism|journalism)\b"
    r"|\b(?:стати|станьте|стань|ставай|become a) (?:нашим |our )?(?:патрон\w*|patron|member)"
    r"|частиною (?:нашої )?спільноти|частью (?:нашего )?сообщества|\bpatreon\b"
    r"|\bнаш\w* (?:мобільн\w+ |мобильн\w+ )?(?:застосун(?:ок|ку)|додат(?:ок|ку)|приложени[ея])\b"
    r"|\bour (?:mobile )?app\b",
)
_SHARE_RE = re.compile(
    r"(?:(?:поділитися|поширити|поделиться|share|надіслати|отправить|print|друк|печать"
    r"|версія для друку|версия для печати|зберегти|сохранить|копіювати посилання"
    r"|скопировать ссылку|copy link|твитнуть|твітнути|tweet|добавить в закладки"
    r"|додати в закладки|в закладки|и|і|та|and)(?:\W+|$))+",
)
_COOKIE_RE = re.compile(
    r"\b(?:cookies?|кукі|куки|файли cookie|файлы cookie)\b.*"
    r"\b(?:використ|использ|use|using|погоджу|соглаш|agree|accept|прийма|принима|policy|політик"
    r"|политик|налашт|настро|settings)",
    re.DOTALL,
)
_COOKIE_START_RE = re.compile(
    r"\b(?:використ|использ|use|using|погоджу|соглаш|agree|accept|прийма|принима|policy|політик"
    r"|политик)\w*\b.*\b(?:cookies?|кукі|куки)\b",
    re.DOTALL,
)
_GALLERY_RE = re.compile(
    r"(?:попереднє|наступне|попередня|наступна|предыдущ\w*|следующ\w*|previous|next|prev)"
    r"(?:\s+(?:фото|photo|слайд|slide|image|зображення|изображение))?"
    r"|(?:фото|photo|слайд|slide|image)?\s*\d+\s*(?:/|з|із|из|of)\s*\d+"
    r"|(?:відкрити|открыть|open|view|дивитися|смотреть|всі|все|all)\s+"
    r"(?:галерею|галерея|gallery|фото|photos|фотогалерею)",
)
_NOTICE_RE = re.compile(
    r"(?:реклама|advertisement|advertising|ad|sponsored|оцініть(?: статтю| матеріал| новину)?"
    r"|оцените(?: статью| материал| новость)?|ми в соцмережах|ми у соцмережах|мы в соцсетях"
    r"|rate this(?: article)?|оцените, пожалуйста, статью\. нам важно ваше мнение"
    r"|ваше мнение|ваша думка)" + _TRAILING,
)
_COPYRIGHT_RE = re.compile(
    r"^(?:©|\(c\)|copyright\b)|усі права захищен|все права защищен|all rights reserved",
)

_PROMPT_MAX = 250  # a prompt, notice or control is a short block
_INLINE_MAX = 300  # an inline "read also" line is one headline long

# Containers whose link density is tested.
_CONTAINERS = frozenset(
    {"div", "ul", "ol", "dl", "table", "tbody", "tr", "td", "section", "aside", "nav", "header"}
    | {"footer"}
)
_CONTROLS = frozenset({"a", "button", "label", "li"})
# A wrapper climbed from a heading or a prompt stops below these.
_SECTIONING = frozenset({"html", "body", "main", "article"})
_INLINE = frozenset(["a", "span", "strong", "b", "em", "i", "font", "small", "label", "button"])
_LINK_DENSE = 0.7  # share of a container's text inside links
_MIN_LINKS = 3
_NO_TEXT = frozenset({"script", "style", "noscript", "template", "svg"})


def clean_tree(tree: Any, url: str, dropped: list[Dropped]) -> None:
    """Remove lists of other articles and comment sections from a page tree, in place.

    Only what can change trafilatura's choice of the main text is removed here; short
    prompts and notices are left to ``clean_lines``, which sees far fewer pieces of text.
    """
    body = tree.find(".//body")
    if body is None:
        return
    _drop_marked_blocks(body, dropped)
    _drop_link_dense(body, url, dropped)
    _drop_counters(body, dropped)
    _drop_hover_cards(body, dropped)


def _drop_hover_cards(body: Any, dropped: list[Dropped]) -> None:
    """Cards hidden in a paragraph until a name is hovered: the person's other headlines
    (thehill.com), which ran into the sentence ("Rep. Ilhan OmarIlhan OmarHillicon
    Valley: …") and would flag it for another story's words.

    A <span> inside a paragraph that is nothing but links, two of them headlines; the
    innermost such span, so that the name the card hangs on stays in the sentence.
    """
    cards = [span for span in _LINK_SPANS(body) if _all_headlines(span)]
    inner = set(cards)
    for card in cards:
        if not any(span in inner for span in card.iterdescendants("span")):
            _drop(card, "hover card", dropped)


_LINK_SPANS = etree.XPath(".//p//span[count(.//a) >= 2]")


def _all_headlines(span: Any) -> bool:
    links = [_TEXT_LENGTH(a) for a in span.iter("a")]
    headlines = sum(length >= _HEADLINE for length in links)
    return headlines >= 2 and sum(links) >= _LINK_ONLY * _TEXT_LENGTH(span)


_LINK_ONLY = 0.9  # share of a card's text in its links


def _drop_counters(body: Any, dropped: list[Dropped]) -> None:
    """Comment, like and view counters set inside paragraphs: a bare number that would
    run into the paragraph's first word ("0Жительница"), hiding it from search and flags.

    Only a number named like a counter and written against the next word or a list's
    dash: a number in the text ("<b class="count">95</b> захисників") is followed by a
    space.
    """
    for counter in _NUMBERS_IN_PARAGRAPHS(body):
        names = " ".join(counter.get(name, "") for name in ("class", "id", "title"))
        after = _text_after(counter)[:1]
        if _COUNTER_NAME.search(names) and (after.isalpha() or after in _DASHES):
            _drop(counter, "counter", dropped)


def _text_after(element: Any) -> str:
    """The text right after ``element``: its tail, or the text its next sibling opens with."""
    if element.tail:
        return element.tail
    following = element.getnext()
    return (following.text or "") if following is not None else ""


_NUMBERS_IN_PARAGRAPHS = etree.XPath(
    ".//p//*[self::a or self::span or self::b][normalize-space()]"
    "[translate(normalize-space(), '0123456789', '') = '']"
)
_DASHES = ("-", "–", "—")  # "0- <a>headline</a>": a counter before a list of links
_COUNTER_NAME = re.compile(r"comment|count|like|view|share|rating|коммент|комент", re.IGNORECASE)


def _drop_marked_blocks(body: Any, dropped: list[Dropped]) -> None:
    """Blocks headed "Читайте також", "Comments", …, and inline "read also" lines."""
    for node in _SHORT_TEXTS(body):
        if not _MAYBE_MARKER.match(node):
            continue
        text = _squash(node)
        rule = _marker(text)
        holder = node.getparent()
        if rule is None or holder is None or holder.tag in _NO_TEXT:
            continue
        if node.is_tail:  # text after an element belongs to the element's parent
            holder = holder.getparent()
        block = _block_of(holder, body) if holder is not None else None
        if block is None or not _attached(block, body):
            continue  # removed with an ancestor already, or outside the body
        block_text = _squash(block.text_content())
        if rule == "read-also line":
            if _RELATED_INLINE_RE.match(block_text) and _is_inline_related(block_text, block):
                _drop(block, rule, dropped)
        elif block_text == text:
            block = _widest(block, body, len(text), slack=0)
            if _is_control(block, body):
                _drop(block, rule, dropped)  # a link, tab or button "Comments (3)", "More news"
            else:
                _drop_section(block, body, rule, dropped)


_SHORT_TEXTS = etree.XPath(
    f".//text()[normalize-space(.)][string-length(normalize-space(.)) <= {_INLINE_MAX}]"
)


def _marker(text: str) -> str | None:
    if len(text) <= 60:
        low = _lower(text)
        if _RELATED_HEADING_RE.fullmatch(low):
            return "related heading"
        if _COMMENTS_HEADING_RE.fullmatch(low):
            return "comments"
    if _RELATED_INLINE_RE.match(text):
        return "read-also line"
    return None


def _attached(element: Any, body: Any) -> bool:
    return element is body or any(a is body for a in element.iterancestors())


def _is_control(block: Any, body: Any) -> bool:
    node = block
    while node is not None and node is not body:
        if node.tag in _CONTROLS:
            return True
        node = node.getparent()
    return False


def _block_of(element: Any, body: Any) -> Any:
    """The nearest non-inline element holding ``element``'s text (itself, or an ancestor)."""
    node = element
    while node is not None and node is not body:
        if node.tag not in _INLINE:
            return node
        node = node.getparent()
    return None


def _is_inline_related(text: str, block: Any) -> bool:
    """ "Читайте також: <a>headline</a>": the words after the marker are (mostly) a link."""
    marker = _RELATED_INLINE_RE.match(text)
    assert marker is not None
    rest = len(text) - marker.end()
    if rest <= 0:
        return True
    linked = sum(len(_squash(a.text_content())) for a in block.iter("a"))
    return linked >= 0.5 * rest


def _widest(block: Any, body: Any, length: int, slack: int = 30) -> Any:
    """The outermost wrapper of ``block`` that holds little else (a button, an icon)."""
    node = block
    parent = node.getparent()
    while parent is not None and parent is not body and parent.tag not in _SECTIONING:
        if len(_squash(parent.text_content())) > length + slack:
            break
        node, parent = parent, parent.getparent()
    return node


def _drop_section(heading: Any, body: Any, rule: str, dropped: list[Dropped]) -> None:
    """A heading of related links or of comments goes with what it heads.

    Climbs from the heading while the wrapper holds nothing before it: that wrapper is the
    section, removed whole. A heading that shares its wrapper with other content is removed
    with the siblings after it that are what it announces: links for a related heading,
    comment boxes (not bare paragraphs, which are the article's) for a comments heading.
    """
    if rule == "comments" and not _PROSE_BEFORE(heading):
        return  # a comment count above the article, not the comments below it
    box = heading
    parent = box.getparent()
    while parent is not None and parent is not body and _starts_with(parent, box):
        box, parent = parent, parent.getparent()
    if box is not heading and not _heads_section(box, heading, rule):
        box = heading  # the heading shares its box with the article: go sibling by sibling
    following = list(box.itersiblings()) if box is heading else []
    _drop(box, rule, dropped)
    for sibling in following:
        if not isinstance(sibling.tag, str) or sibling.tag in _NO_TEXT:
            continue
        if rule == "related heading" and not _announced(sibling):
            break
        if rule == "comments" and not _comment_like(sibling):
            break
        _drop(sibling, rule, dropped)


def _announced(element: Any) -> bool:
    """Whether an element after a related heading is part of its list: links, or a short
    line that is not a sentence (a date, a rubric) and not a heading of the article."""
    if _mostly_links(element, None):
        return True
    return element.tag not in _HEADINGS and _headline_like(_squash(element.text_content()))


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def _heads_section(box: Any, heading: Any, rule: str) -> bool:
    if any(h1 is not heading for h1 in box.iter("h1")):
        return False  # the article's own column (some sites head their lists with <h1>s too)
    return rule != "related heading" or _mostly_links(box, heading)


def _comment_like(element: Any) -> bool:
    """A box that may hold comments: not a bare paragraph or heading of the article."""
    return element.tag not in _ARTICLE_PIECES and element.find(".//h1") is None


_ARTICLE_PIECES = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure", "img", "picture"}
)


def _starts_with(parent: Any, child: Any) -> bool:
    """Whether ``child`` is the first thing with text in ``parent``."""
    if parent.text and parent.text.strip():
        return False
    for sibling in parent:
        if sibling is child:
            return True
        if not isinstance(sibling.tag, str):
            continue
        if _squash(sibling.text_content()) or (sibling.tail and sibling.tail.strip()):
            return False
    return False


def _mostly_links(element: Any, heading: Any) -> bool:
    """Whether ``element`` (``heading`` aside) is a list of links to other articles: links
    make up half its text and there is no prose, or it is headlines with a short excerpt
    each (at most one paragraph per headline, none of an article's length)."""
    text = len(_squash(element.text_content()))
    if heading is not None:
        text -= len(_squash(heading.text_content()))
    if text <= 0:
        return True
    linked = headlines = 0
    for a in element.iter("a"):
        length = len(_squash(a.text_content()))
        linked += length
        headlines += length >= _HEADLINE
    prose = [t.strip() for t in _PROSE_TEXTS(element)]
    if not prose:
        return linked >= 0.5 * text or (headlines >= 2 and text - linked <= _EXCERPT * headlines)
    # Excerpts cut off mid-sentence ("…в газете...") are a teaser list's own mark, and
    # sites that cut them at 250 characters add a date, an author and counters besides.
    cut = all(t.endswith(("...", "…")) for t in prose)
    excerpt = _CUT_EXCERPT if cut else _EXCERPT
    return (
        headlines >= max(2, len(prose))
        and max(map(len, prose)) <= excerpt
        and text - linked <= excerpt * headlines
    )


_HEADLINE = 25  # characters of a link's text that make it a headline, not a menu item
_EXCERPT = 250  # characters of excerpt, date and counters a teaser may have besides its link
_CUT_EXCERPT = 320  # the same, and a line's length, for excerpts cut off with "..."


def _drop_link_dense(body: Any, url: str, dropped: list[Dropped]) -> None:
    """Lists of other articles: link-dense containers, and teaser cards inside the article.

    Top down: a box that holds prose holds the article (or part of it) and is looked
    into, never removed; a box without prose is removed if link-dense, else looked into
    while it still has links enough to hold a list. Among the article's own pieces, one
    that is nothing but a headline linking elsewhere on the site is a teaser card.
    """
    prose = _prose_boxes(body)
    anchors: dict[Any, int] = {}
    stack = [body]
    while stack:
        parent = stack.pop()
        for child in parent:
            tag = child.tag
            if not isinstance(tag, str) or tag in _NO_TEXT:
                continue
            if child in prose:
                if tag in _CONTAINERS and _is_excerpt_card(child, url):
                    _drop(child, "teaser link", dropped)
                else:
                    stack.append(child)
                continue
            links = _COUNT_LINKS(child)
            if parent in prose and links and _is_box(child) and _is_teaser(child, url):
                _drop(child, "teaser link", dropped)
            elif links < _MIN_LINKS:
                continue
            elif tag in _CONTAINERS and _link_dense(child, anchors):
                _drop(child, "link-dense block", dropped)
            else:
                stack.append(child)


def _is_teaser(element: Any, url: str) -> bool:
    """Whether ``element`` is a card leading to one other page of the site: a headline
    that is the link, or an image that is the link and a few words beside it."""
    text = _squash(element.text_content())
    if len(text.split()) < _TEASER_WORDS or len(text) > _INLINE_MAX:
        return False
    links = list(element.iter("a"))
    targets = {urljoin(url, a.get("href") or "").split("#")[0] for a in links}
    if len(targets) != 1 or not _same_site(next(iter(targets)), url):
        return False
    if targets == {url.split("#")[0]}:
        return False  # a link to the page itself ("to the top", a photo's anchor)
    linked = " ".join(_squash(a.text_content()) for a in links).strip()
    return linked == text or any(a.find(".//img") is not None for a in links)


_TEASER_WORDS = 4
_LAST_LINK = etree.XPath("(.//a[@href][normalize-space()])[last()]")


def _is_read_more(text: str) -> bool:
    return len(text) <= 40 and bool(_READ_MORE_RE.fullmatch(_lower(text)))


def _is_excerpt_card(element: Any, url: str) -> bool:
    """A card with an excerpt of another page of the site: its headline (or image) and a
    closing "Читать новость..." link, or its comment count, lead there, and nothing else
    does.

    The headline link keeps a long article that ends in a link to its next page safe.
    """
    closing = _LAST_LINK(element)  # first, in C: most boxes fail here
    if not closing:
        return False
    last = _squash(closing[0].text_content())
    if not (_is_read_more(last) or last.isdigit()):  # "Читать новость...", or "27" comments
        return False
    links = [a for a in element.iter("a") if a.get("href")]
    targets = {urljoin(url, a.get("href")).split("#")[0] for a in links}
    if len(links) < 2 or len(targets) != 1 or targets == {url.split("#")[0]}:
        return False
    if not _same_site(next(iter(targets)), url):
        return False
    texts = [_squash(a.text_content()) for a in links]
    pairs = zip(links, texts, strict=True)
    return any(len(t) >= _HEADLINE or a.find(".//img") is not None for a, t in pairs)


def _is_box(element: Any) -> bool:
    """A block of its own, not a word in a sentence: a block tag, or a link or span
    wrapped around blocks (a React card: <a href><p>headline</p></a>)."""
    return element.tag not in _INLINE or bool(_BLOCK_INSIDE(element))


_BLOCK_INSIDE = etree.XPath("boolean(p | div | h2 | h3 | h4 | figure)")


def _same_site(href: str, url: str) -> bool:
    host = (urlsplit(href).hostname or "").removeprefix("www.")
    return not host or host == (urlsplit(url).hostname or "").removeprefix("www.")


def _prose_boxes(body: Any) -> set[Any]:
    """Every element that holds a paragraph of prose (a long run of text outside links)."""
    boxes: set[Any] = set()
    for node in _PROSE_TEXTS(body):
        element = node.getparent()
        while element is not None and element not in boxes:
            boxes.add(element)
            element = element.getparent()
    return boxes


def _link_dense(element: Any, anchors: dict[Any, int]) -> bool:
    text = _TEXT_LENGTH(element)
    if not text:
        return False
    linked = 0
    for a in element.iter("a"):
        if a not in anchors:
            anchors[a] = int(_TEXT_LENGTH(a))
        linked += anchors[a]
    return linked >= _LINK_DENSE * text


_COUNT_LINKS = etree.XPath("count(descendant-or-self::a)")
_TEXT_LENGTH = etree.XPath("string-length(normalize-space(.))")


# A run of text outside links this long is a paragraph of prose: a box holding one is not
# a list of links, however many teasers surround it (a short article among "more news").
# A heading is not prose, however long: a sidebar of columns headed by 130-character
# headlines (veved.ru) was taken for part of the article and kept.
_PROSE = 120
_NOT_PROSE = (
    "ancestor::a or ancestor::script or ancestor::style or ancestor::h1 or ancestor::h2"
    " or ancestor::h3 or ancestor::h4 or ancestor::h5 or ancestor::h6"
)
_PROSE_TEXTS = etree.XPath(
    f".//text()[string-length(normalize-space(.)) >= {_PROSE}][not({_NOT_PROSE})]"
)
_PROSE_BEFORE = etree.XPath(
    f"boolean(preceding::text()[string-length(normalize-space(.)) >= {_PROSE}][not({_NOT_PROSE})])"
)


def _drop(element: Any, rule: str, dropped: list[Dropped]) -> None:
    """Remove ``element`` but not the text that follows it (its tail)."""
    parent = element.getparent()
    if parent is None:
        return
    text = _squash(element.text_content())
    if text:
        dropped.append(Dropped(rule, text[:_SAMPLE]))
    tail, element.tail = element.tail, None
    if tail and tail.strip():
        if element.tag in _INLINE:
            _append_text(element.getprevious(), parent, tail)
        else:
            # Text after a box is a paragraph of its own (the HTML parser closed the one it
            # stood in for the box); trafilatura would drop it as the tail of nothing.
            holder = element.makeelement("p", {})
            holder.text = tail
            element.addnext(holder)
    parent.remove(element)


def _append_text(previous: Any, parent: Any, text: str) -> None:
    if previous is not None:
        previous.tail = (previous.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _squash(text: str) -> str:
    return " ".join(text.split())


def _lower(text: str) -> str:
    """Lower case, with the Ukrainian apostrophe in its one spelling the patterns use."""
    return text.lower().translate(_APOSTROPHES)


_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'"})


# -- the article body, shielded from pruning by class name -------------------------------------
#
# trafilatura deletes every element whose class or id contains one of some eighty
# substrings ("banner", "bar", "meta", "slide", "widget", "tags", …), article bodies
# included: Yandex's ad script marks article bodies "_reachbanner_" on many Russian and
# Ukrainian sites (interfax.ru, kp.ru, newsland.ru), and "barrons-article-wrap" holds
# "bar". The page then yields a teaser, a caption or nothing. The box that holds the most
# paragraph text, and the boxes around it, lose the names that would have it pruned.
# +0.009 F1 on daniel-ru, +0.005 on scrapinghub, no page worse (bench/extract_quality.py).

_BODY_PROSE = 400  # characters of paragraph text outside links: less is no article body
# A box named like these is what its name says, whatever its paragraphs: the most prose
# of some pages is in their footer (an imprint) or their readers' comments.
_STRUCTURAL = re.compile(r"footer|comment|nav|menu", re.IGNORECASE)
_NAME_PRUNED = [
    etree.XPath(xpath.path.replace(".//*", "self::*", 1), namespaces={"re": REGEXP_NS})
    for xpath in (
        OVERALL_DISCARD_XPATH[0],
        TEASER_DISCARD_XPATH[0],
        PRECISION_DISCARD_XPATH[1],
        REMOVE_COMMENTS_XPATH[0],
    )
]


def shield_body(tree: Any, headline: Callable[[], str] = lambda: "") -> Any:
    """Strip, from the article body's box and its ancestors, the class names and ids for
    which trafilatura would delete them.

    A box named like a footer or comments is left alone, unless it holds the page's
    headline before the body: then it wraps the article, whatever its name (nversia.ru's
    article sits in "#comments_page_wrapper"). ``headline`` is asked for only then: it
    reads the whole page, 0.2 ms, and few pages need it.

    Returns the body's box, shielded or not, or None if the page has none.
    """
    box = _body_box(tree)
    if box is None:
        return None
    chain = [box, *box.iterancestors()]
    for element in chain:
        name = f"{element.get('class', '')} {element.get('id', '')}"
        if _STRUCTURAL.search(name) and not _heads_body(element, box, headline()):
            return box
    for element in chain:
        if _name_pruned(element):
            _unname(element)
    return box


def _heads_body(element: Any, box: Any, headline: str) -> bool:
    """Whether ``element`` shows the page's headline before it reaches ``box``."""
    if len(headline) < _HEADLINE:
        return False
    for inner in element.iter():
        if inner is box:
            return False
        text = (inner.text or "").strip()
        if len(text) >= _HEADLINE and _squash(text) in headline:
            return True
    return False


def _body_box(tree: Any) -> Any:
    """The element whose <p> children hold the most text outside links, if enough."""
    prose: dict[Any, float] = {}
    for p in tree.iter("p"):
        parent = p.getparent()
        length = _TEXT_LENGTH(p)
        if parent is None or not length:
            continue
        linked = sum(_TEXT_LENGTH(a) for a in p.iter("a"))
        prose[parent] = prose.get(parent, 0) + max(length - linked, 0)
    if not prose:
        return None
    box = max(prose, key=prose.__getitem__)
    return box if prose[box] >= _BODY_PROSE else None


def _name_pruned(element: Any) -> bool:
    return any(test(element) for test in _NAME_PRUNED)


def _unname(element: Any) -> None:
    """Drop the class tokens that trafilatura prunes by; the id too, and the whole class
    if that is not enough (some of its patterns span tokens)."""
    classes = element.get("class", "").split()
    probe = etree.Element("div")
    kept = []
    for token in classes:
        probe.set("class", token)
        if not _name_pruned(probe):
            kept.append(token)
    if kept:
        element.set("class", " ".join(kept))
    else:
        element.attrib.pop("class", None)
    for name in ("id", "class"):
        if _name_pruned(element):
            element.attrib.pop(name, None)


# -- prose in bare <div>s -------------------------------------------------------------------
#
# Some sites write an article as sibling <div>s of bare text, split into lines by <br>
# (news.day.az). trafilatura, favouring precision, reads a <div>'s own text only when the
# page has little <p> text, and it counts that text over the whole document ("//p//text()"
# from the root), not over the box it extracts from. So it keeps the lines after each <br>
# and drops each div's first line: half an article, cut at random. That first line is
# moved behind a <br> of its own, to be read like the lines after it. Only a run of divs
# that already uses <br>s is touched: trafilatura reads divs of one paragraph each
# (cnn.com) another way, and reshaping those lost CNN's first paragraphs.
# daniel-ru +0.002 F1 (news.day.az 0.52 → 0.96); no other page of the corpora changed.
#
# For the same reason a lone <div> of bare text between the paragraphs of the article's
# box is skipped: a caption under a video, a question heading an answer. Such a div, with
# a paragraph before it and after it, is read as one.
# uk-sites +0.004 (hromadske.tv 0.92 → 0.98), daniel-ru +0.0001, scrapinghub +0.0001;
# no page worse. Divs at the box's edges are left alone: there they were print and
# embed controls (1tv.ru) or a publisher's standards link (reuters.com).

_BARE_PROSE = 50  # characters of a div's text outside links that make it prose
_BARE_INLINE = _INLINE | {"br", "u", "sup", "sub", "abbr", "cite", "q", "mark", "time"}


def open_bare_divs(tree: Any, box: Any = None) -> None:
    """Put the first line of each prose <div> in a run that uses <br>s behind a <br>, and
    read a <div> of text between the paragraphs of the body's ``box`` as a paragraph."""
    if box is not None:
        _divs_as_paragraphs(box)
    runs: dict[Any, list[Any]] = {}
    for div in tree.iter("div"):
        if _bare_prose(div):
            runs.setdefault(div.getparent(), []).append(div)
    for parent, run in runs.items():
        if len(run) < 2 or parent.find("p") is not None:
            continue
        if all(div.find("br") is None for div in run):
            continue
        for div in run:
            br = etree.Element("br")
            br.tail, div.text = div.text, None
            div.insert(0, br)


_BARE_TEXT = 40  # characters of a div's text that make it a paragraph between paragraphs
_PARAGRAPH = 20  # characters of a <p>'s text that make it a paragraph, not a spacer


def _divs_as_paragraphs(box: Any) -> None:
    for child in box:
        if child.tag != "div" or _TEXT_LENGTH(child) < _BARE_TEXT or not _inline_only(child):
            continue
        before = child.itersiblings("p", preceding=True)
        if _has_paragraph(before) and _has_paragraph(child.itersiblings("p")):
            child.tag = "p"


def _has_paragraph(paragraphs: Iterable[Any]) -> bool:
    return any(_TEXT_LENGTH(p) >= _PARAGRAPH for p in paragraphs)


def _bare_prose(element: Any) -> bool:
    """A <div> that opens with text and holds only inline elements, and enough prose."""
    if not (element.text or "").strip() or not _inline_only(element):
        return False
    linked = sum(_TEXT_LENGTH(a) for a in element.iter("a"))
    return _TEXT_LENGTH(element) - linked >= _BARE_PROSE


def _inline_only(element: Any) -> bool:
    return not any(isinstance(c.tag, str) and c.tag not in _BARE_INLINE for c in element)


# -- layout tables ---------------------------------------------------------------------------

_TABLE_PARTS = ("thead", "tbody", "tfoot", "tr", "td", "th")
# A cell holding boxes of its own, or this much text, lays out a page: a data table's cells
# hold a figure, a name or a sentence.
_LAYOUT_CELL_TEXT = 400
_BLOCK_IN_CELL = etree.XPath(
    "boolean(.//*[self::p or self::div or self::table or self::h1 or self::h2 or self::h3"
    " or self::ul or self::ol or self::blockquote])"
)


def unwrap_layout_tables(tree: Any) -> int:
    """Turn the tables that lay out a page into plain boxes, in place; return how many.

    Pages built before CSS layouts put the article, the menus and the "more news" columns
    in the cells of one table. trafilatura reads a table as data: the cell holding the
    article comes out as one line with everything around it ("| menu | article, then
    teasers |"), which no line rule can take apart. As <div>s the same cells are boxes
    that trafilatura and ``clean_tree`` judge one by one.
    """
    tables = [t for t in tree.iter("table") if _is_layout_table(t)]
    parts = [p for table in tables for p in table.iter(*_TABLE_PARTS) if _owner(p) is table]
    for element in tables + parts:
        element.tag = "div"
    return len(tables)


def _owner(part: Any) -> Any:
    """The table a row or cell belongs to (a table inside a cell keeps its own)."""
    return next(part.iterancestors("table"), None)


def _is_layout_table(table: Any) -> bool:
    return any(
        _BLOCK_IN_CELL(cell) or _TEXT_LENGTH(cell) > _LAYOUT_CELL_TEXT
        for cell in table.iter("td", "th")
    )


# -- after trafilatura -------------------------------------------------------------------

_MONTHS = (
    "січ|лют|берез|квіт|трав|черв|лип|серп|верес|жовт|листоп|груд"
    "|янв|февр|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр"
    "|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
)
_FULL_DATE = (
    r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}[.-]\d{2}[.-]\d{2}(?:t[\d:+.z-]*)?"
    rf"|\b\d{{1,2}}\s+(?:{_MONTHS})[а-яіїєґa-z]*\.?(?:\s+\d{{4}})?(?:\s*(?:р\.|г\.|року|года))?"
    rf"|\b(?:{_MONTHS})[a-z]*\.?\s+\d{{1,2}}(?:,?\s+\d{{4}})?"
)
_FULL_DATE_RE = re.compile(_FULL_DATE)
_DATELINE_RE = re.compile(
    rf"{_FULL_DATE}|\b\d{{1,2}}:\d{{2}}(?::\d{{2}})?|\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b"
    r"|\b(?:сьогодні|вчора|сегодня|вчера|today|yesterday)\b",
)
_DATELINE_ANY_CASE = re.compile(_DATELINE_RE.pattern, re.IGNORECASE)
_META_LABEL_RE = re.compile(
    r"(?:дата|добавлено|додано|опубліковано|опубликовано|оновлено|обновлено|прочитано"
    r"|просмотров|просмотры|прочтений|прочтения|переглядів|перегляди|переглядов|прочитань"
    r"|views|published|posted|updated|рубрик[аи]|категорі[яї]"
    r"|категори[яи]|теги|мітки|метки|tags|filed under)\s*:"
    r"|\d+\s*(?:min|хв|мин)\w*\.?\s*(?:read|читання|чтения)$",
)
_LEGAL_RE = re.compile(
    r"свідоцтво про (?:державну )?реєстрацію|свидетельство о регистрации"
    r"|(?:при|у разі) (?:повному або частковому |полном или частичном )?(?:використанні"
    r"|использовании|копіюванні|копировании|цитуванні|цитировании) (?:будь-яких )?(?:любых )?"
    r"(?:матеріал|материал|інформаці|информаци)"
    r"|використання матеріалів|использование материалов|адреса редакції|адрес редакции"
    r"|(?:посилання|ссылка|гіперпосилання|гиперссылка)[^.]{0,40}обов'язков|ссылка[^.]{0,40}обязательна"
    r"|зміст коментарів|содержание комментариев|комментарии (?:принимаются|проходят)"
    r"|коментарі (?:приймаються|проходять)|(?:нашли|обнаружили|знайшли) ошибк|знайшли помилку"
    r"|выделите (?:любой )?(?:её|ее|фрагмент|текст)|виділіть (?:будь-який )?(?:її|фрагмент|текст)"
    r"|(?:для|чтобы) (?:добавления|добавить|оставить|написания) комментари[^.]{0,40}"
    r"(?:авториз|регистр|войти|войдите)"
    r"|(?:щоб|для) (?:додати|додавання|залишити|написати) коментар[^.]{0,40}"
    r"(?:авториз|зареєстр|увійти|увійдіть)"
    r"|(?:зарегистрируйтесь|войдите|авторизуйтесь)[^.]{0,40}(?:чтобы|для того,? чтобы) "
    r"(?:оставить|добавить|написать) комментари"
    r"|(?:зареєструйтеся|увійдіть|авторизуйтеся)[^.]{0,40}(?:щоб|для того,? щоб) "
    r"(?:залишити|додати|написати) коментар"
    r"|введите,? (?:пожалуйста,? )?логин|введіть,? (?:будь ласка,? )?логін"
    r"|просьба соблюдать (?:установленные )?правила|прохання дотримуватися правил"
    r"|ctrl\s*\+?\s*(?:enter|insert)",
)
_READ_MORE_RE = re.compile(
    r"(?:читать дальше|читать далее|читать полностью|читати далі|читати більше|читати повністю"
    r"|подробнее|детальніше|докладніше|смотреть|дивитися|continue reading|далее|далі"
    r"|читать новость|читать статью|читати новину|читати статтю|read full story"
    r"|read the full story|read full article)" + _TRAILING,
)
_ENDS_READ_MORE = re.compile(
    r"(?:…|\.\.\.)\s*(?:читати більше|читати далі|читать далее|читать дальше|read more"
    r"|детальніше|подробнее)\W*$"
)
_LEGAL_MAX = 700  # an imprint: address, registration, terms of reuse
_CREDIT_MAX = 100  # a byline or photo credit with a ©
_CONTROL_RE = re.compile(
    r"(?:показать еще|показать ещё"
    r"|показати ще|завантажити ще|load more|отправить комментарий|надіслати коментар"
    r"|порекомендовать другу|рекомендувати другу|версия для pda|мобильная версия"
    r"|мобільна версія|rss|rss-лента|rss-стрічка|обсудить|обговорити|в избранное|в обране"
    r"|добавить в избранное|додати в обране|авторизация|авторизація|вход|вхід|log in|sign in"
    r"|постоянный адрес статьи|постійна адреса статті|permalink|посилання скопійовано"
    r"|ссылка скопирована|link copied)" + _TRAILING,
)


_RUBRIC_MAX = 40  # characters of a rubric, breadcrumb or dateline line above the headline
_HEADLINE_AT = 4  # the headline, if the text has it, is among its first lines


def drop_rubrics(
    lines: list[str], headline: Callable[[], str], dropped: list[Dropped]
) -> list[str]:
    """The short lines above the article's headline: the page's rubric, breadcrumbs or
    dateline ("Новости 24", "//Здоровье", "Сегодня, 15:33 • Новости региона").

    Only when the text opens with a short line and the headline follows within a few
    lines, each short: an article that opens with prose keeps it. ``headline`` (the
    page's own, from its <head>) is asked for only then: it reads the page.
    """
    if not lines or len(_squash(lines[0])) > _RUBRIC_MAX:
        return lines
    title = _squash(headline())
    if len(title) < _HEADLINE:
        return lines
    for top, line in enumerate(lines[:_HEADLINE_AT]):
        text = _squash(line)
        if len(text) >= _HEADLINE and (text in title or title in text):
            for rubric in lines[:top]:
                dropped.append(Dropped("rubric", _squash(rubric)[:_SAMPLE]))
            return lines[top:]
        if len(text) > _RUBRIC_MAX:
            break
    return lines


def clean_lines(lines: Iterable[str], anchors: set[str], dropped: list[Dropped]) -> list[str]:
    """Lines of extracted text without the ones that slip through the tree rules.

    ``anchors`` are the link texts of the page (squashed). A line is judged alone (a
    prompt, a notice, a "read also" line) and by its neighbours: the lines after a
    "related" heading that look like headlines, the excerpt before a "read more" link, a
    run of lines that are each the text of a link.
    """
    lines = [line for line in lines if line.strip()]  # nor of "\xa0" or tabs alone
    rules = [_line_rule(_cells(line), anchors) for line in lines]
    _before_read_more(lines, rules)
    _after_headings(lines, rules)
    _around_imprint(lines, rules)
    _cut_excerpt_runs(lines, rules)
    _dates_between_links(lines, rules)
    _sources_at_the_end(lines, rules)
    for i, rule in enumerate(rules):
        # One linked line inside prose is a link the article makes; one set off as a
        # list item ("- <headline>") is a list of other stories, however short.
        if rule == "linked line" and not _in_link_run(rules, i):
            rules[i] = rule if lines[i].lstrip().startswith("- ") else None
    kept = []
    for line, rule in zip(lines, rules, strict=True):
        if rule is None:
            kept.append(line)
        else:
            dropped.append(Dropped(rule, _squash(line)[:_SAMPLE]))
    return kept


def _after_headings(lines: list[str], rules: list[str | None]) -> None:
    """Headline-like lines after a "related" heading belong to its list."""
    in_list = False
    for i, line in enumerate(lines):
        if rules[i] == "related heading":
            in_list = True
        elif in_list and (rules[i] is not None or _headline_like(line)):
            rules[i] = rules[i] or "related heading"
        else:
            in_list = False


def _around_imprint(lines: list[str], rules: list[str | None]) -> None:
    """The contact lines next to a copyright or legal line are the rest of the imprint
    ("Телефон редакции: …", "Факс: …", "E-mail: …", "Учредитель: …").

    Only next to one: a hotline's number or an e-mail address that ends an article, with
    no registration or copyright line beside it, stays.
    """
    for i, rule in enumerate(rules):
        if rule != "copyright or legal line":
            continue
        for step in (-1, 1):
            j = i + step
            while 0 <= j < len(lines) and (rules[j] is not None or _is_contact(lines[j])):
                rules[j] = rules[j] or "imprint"
                j += step
    _imprint_tail(lines, rules)


_IMPRINT = ("copyright or legal line", "imprint")
_TAIL_LINES = 8  # short lines after an imprint that end the text: the rest of the footer
_TAIL_LINE = 200


def _imprint_tail(lines: list[str], rules: list[str | None]) -> None:
    """The few short lines that end the text after an imprint are the rest of the page's
    footer ("Дизайн-макет: …", the hosting provider, a page timer, a disclaimer broken
    at a <br>), which no phrase marks. Only after two imprint lines or more: one ©
    line may be a photo's credit inside the article, with more of it below."""
    last = max((i for i, rule in enumerate(rules) if rule in _IMPRINT), default=0)
    if last == 0 or rules[last - 1] not in _IMPRINT:
        return
    tail = range(last + 1, len(lines))
    if len(tail) <= _TAIL_LINES and all(len(_squash(lines[j])) <= _TAIL_LINE for j in tail):
        for j in tail:
            rules[j] = rules[j] or "imprint"


def _is_contact(line: str) -> bool:
    text = _squash(line.strip("|- "))
    return len(text) <= _CONTACT_MAX and bool(_CONTACT_RE.search(_lower(text)))


_CONTACT_MAX = 200
_CONTACT_RE = re.compile(
    r"\b(?:тел|телефон\w*|факс|fax|phone|tel|e-?mail|icq|skype)\b|@[\w.-]+\.\w+"
    r"|\b(?:адрес\w*|address)\b|учредител|засновник|издатель|видавець"
    r"|главн\w+ редактор|головн\w+ редактор|шеф-редактор|editor-in-chief"
    r"|распространяется|розповсюджується|редакция не несет|редакція не несе"
    r"|\+?\d[\d ()-]{7,}\d"
)


def _cut_excerpt_runs(lines: list[str], rules: list[str | None]) -> None:
    """Three or more lines in a row that each stop short with an ellipsis are excerpts
    of other articles ("…поставлен диагноз..."); an article's sentence trails off now
    and then, not line after line."""
    start = 0
    for end in range(len(lines) + 1):
        if end < len(lines) and _is_cut_excerpt(lines[end]):
            continue
        if end - start >= _CUT_RUN:
            for i in range(start, end):
                rules[i] = rules[i] or "cut excerpts"
        start = end + 1


def _is_cut_excerpt(line: str) -> bool:
    text = line.strip()
    return len(text) <= _CUT_EXCERPT and text.endswith(("...", "…"))


_CUT_RUN = 3


def _headline_like(line: str) -> bool:
    text = _squash(line.strip("|- "))
    if not text:
        return True
    if _FULL_DATE_RE.search(text.lower()) and len(re.findall(r"\w+", text)) <= 8:
        return True  # "// NEWSru.com // В мире // 3 января 2012 г."
    return len(text) <= 120 and not _SENTENCE_END.search(text)


_SENTENCE_END = re.compile(r"[.!?…:;][»\"'”)]*$")


def _before_read_more(lines: list[str], rules: list[str | None]) -> None:
    """The excerpt before a "read more" link, or ending in one, is a teaser of another
    article."""
    for i, rule in enumerate(rules):
        if rule is None and len(lines[i]) <= 500 and _ENDS_READ_MORE.search(_lower(lines[i])):
            rules[i] = "read more"
        elif rule == "read more" and i > 0 and rules[i - 1] is None and len(lines[i - 1]) <= 500:
            rules[i - 1] = "read more"


_SOURCE_RE = re.compile(
    r"(?:по материалам|по информации|по сообщениям|источник|за матеріалами|за інформацією"
    r"|за повідомленням|джерело|source)\b"
)
_SOURCE_WORDS = 8  # "По материалам ИТАР-ТАСС, РИА Новости": a name or two, not a sentence
_CLAUSE_RE = re.compile(r",\s+[a-zа-яіїєґё]")  # a comma before a clause, not before a name


def _sources_at_the_end(lines: list[str], rules: list[str | None]) -> None:
    """Attribution lines that end the text ("По материалам РИА Новости", "Источник:
    meddaily.ru", "SOURCE: Al Jazeera News"), with only boilerplate after them.

    Not one inside the text: Ukrainska Pravda opens its news with "Джерело: …", and
    "По данным Роспотребнадзора, …" starts a sentence.
    """
    i = len(lines) - 1
    while i >= 0:
        if rules[i] is None:
            text = _squash(lines[i])
            if len(text.split()) > _SOURCE_WORDS or not _SOURCE_RE.match(_lower(text)):
                return
            if _CLAUSE_RE.search(text):
                return  # "За інформацією ДСНС, загиблих немає.": a sentence, not a name
            rules[i] = "source line"
        i -= 1


def _dates_between_links(lines: list[str], rules: list[str | None]) -> None:
    """A short dated line after a linked line, before another or at the end ("Yтро.ru,
    раздел Наука и техника, 24 октября 2011"), is the date of a list's headline: the
    list is one run of links."""
    last = len(lines) - 1
    for i in range(1, len(lines)):
        if rules[i] is not None or rules[i - 1] != "linked line" or len(lines[i]) > _DATED_MAX:
            continue
        if (i == last or rules[i + 1] == "linked line") and _FULL_DATE_RE.search(_lower(lines[i])):
            rules[i] = "linked line"


_DATED_MAX = 120


def _in_link_run(rules: list[str | None], i: int) -> bool:
    before = i > 0 and rules[i - 1] in ("linked line", "related heading")
    after = i + 1 < len(rules) and rules[i + 1] == "linked line"
    return before or after


def _cells(line: str) -> list[str]:
    """The texts of a line: its cells when it is a table row, else the line itself."""
    line = line.strip()
    if line.startswith("|"):
        return [c for c in (_squash(c) for c in line.strip("|").split(" | ")) if c]
    return [_squash(line.removeprefix("- "))]


def _line_rule(cells: list[str], anchors: set[str]) -> str | None:
    if not cells:
        return "empty table row"
    rules = [_text_rule(cell, anchors) for cell in cells]
    if all(rules):
        return next((r for r in rules if r != "linked line"), "linked line")
    return None


def _text_rule(text: str, anchors: set[str]) -> str | None:
    length, low = len(text), _lower(text)
    if length <= 60 and _RELATED_HEADING_RE.fullmatch(low):
        return "related heading"
    if length <= 60 and _COMMENTS_HEADING_RE.fullmatch(low):
        return "comments"
    if length <= _INLINE_MAX and _is_read_also(text, anchors):
        return "read-also line"
    if _is_read_more(text):
        return "read more"
    if length <= _LEGAL_MAX and (_COPYRIGHT_RE.search(low) or _LEGAL_RE.search(low)):
        return "copyright or legal line"
    if length <= _CREDIT_MAX and "©" in text:  # "Татьяна Кожихова © «Вечерние Ведомости»"
        return "copyright or legal line"
    rule = _short_text_rule(low) if length <= _PROMPT_MAX else None
    if rule is None and _is_linked(text, anchors):
        return "linked line"
    return rule


def _is_read_also(text: str, anchors: set[str]) -> bool:
    """ "Читайте також: <headline>": the words after the marker are a link's text, or read
    like a headline rather than a sentence."""
    marker = _RELATED_INLINE_RE.match(text)
    if marker is None:
        return False
    rest = text[marker.end() :].strip(" :.-–—»›>")
    return not rest or rest in anchors or _headline_like(rest)


def _short_text_rule(low: str) -> str | None:
    if _PROMPT_RE.search(low):
        return "subscribe prompt"
    if _SUPPORT_RE.search(low):
        return "support prompt"
    if _COOKIE_RE.search(low) or _COOKIE_START_RE.search(low):
        return "cookie notice"
    if _NOTICE_RE.fullmatch(low) or _CONTROL_RE.fullmatch(low) or _SHARE_RE.fullmatch(low):
        return "notice or control"
    if len(low) <= 40 and _GALLERY_RE.fullmatch(low):
        return "gallery control"
    if len(low) <= 120 and (_META_LABEL_RE.match(low) or _is_dateline(low)):
        return "date or metadata line"
    return None


def _is_linked(text: str, anchors: set[str]) -> bool:
    """Whether ``text`` is a link's text, with a date or time at most, or a teaser: a linked
    headline, its date and an excerpt ("Пейте, дети, молоко?.. 03/04, 13:19 Дети, …")."""
    if text in anchors:
        return True
    if len(text) > 400 or not _DIGIT.search(text):
        return False
    date = _DATELINE_ANY_CASE.search(text)
    if date is None:
        return False
    before = text[: date.start()].strip(" -–—|,.[]()")
    if before:
        return before in anchors and len(before.split()) >= 3
    rest = _DATELINE_ANY_CASE.sub(" ", text, count=2).strip(" -–—|,.[]()")
    return _squash(rest) in anchors


_DIGIT = re.compile(r"\d")


def _is_dateline(low: str) -> bool:
    """A date or time with a few words at most: "28 ноября 2011, 14:15 [ «АН-online» ]"."""
    if not _FULL_DATE_RE.search(low):
        return False  # a time alone heads an update in a live blog
    return len(re.findall(r"\w+", _DATELINE_RE.sub(" ", low))) <= 2


def link_texts(tree: Any) -> set[str]:
    """The squashed texts of a page's links."""
    return {text for a in tree.iter("a") if (text := _squash(a.text_content()))}
