"""Build, once, what extracting a page builds lazily: for worker processes to inherit.

The extraction workers are forked from a fork server that imports this module
(crawler/workers.py). Without it each worker builds the same things on its first
pages: dateparser's locales, pymorphy3's dictionaries, trafilatura's and justext's word
lists, langdetect's profiles, hundreds of compiled regular expressions. That took 6-11 s
of CPU per worker, spread over its first few hundred pages: on a two-core machine, a
second or more of every crawl's wall time, paid again by each ``newsmon crawl``. Built
here, before the fork, it is paid once and its memory is shared by the workers.
"""

from __future__ import annotations

from trafilatura.external import jt_stoplist_init

from crawler.process import Page, process_page

# One short article per language, with the pieces that wake each lazy part: a date in
# words in a "date" element (htmldate hands those to dateparser), inflected words
# (pymorphy3), a "read also" line (the boilerplate rules), enough text for an article.
_PAGES = {
    "uk": (
        "Обмін полоненими: додому повернулися 95 захисників",
        "12 березня 2024, 10:15",
        "<p>12 березня 2024 року Україна повернула з полону 95 захисників, повідомив "
        "Координаційний штаб з питань поводження з військовополоненими.</p>"
        "<p>Серед звільнених є цивільні заручники та бійці, яких вважали зниклими "
        "безвісти.</p><p>Читайте також: <a href='/x'>Новини партнерів</a></p>",
    ),
    "ru": (
        "Обмен пленными: домой вернулись 95 защитников",
        "12 марта 2024, 10:15",
        "<p>12 марта 2024 года Украина вернула из плена 95 защитников, сообщил "
        "Координационный штаб по вопросам обращения с военнопленными.</p>"
        "<p>Среди освобождённых есть гражданские заложники и бойцы, которых считали "
        "пропавшими без вести.</p><p>Читайте также: <a href='/x'>Новости партнеров</a></p>",
    ),
    "en": (
        "Prisoner exchange: 95 defenders return home",
        "March 12, 2024, 10:15",
        "<p>On March 12, 2024 Ukraine brought 95 defenders back from captivity, the "
        "Coordination Headquarters for the Treatment of Prisoners of War said.</p>"
        "<p>Among those freed are civilian hostages and soldiers who had been reported "
        "missing.</p><p>Read also: <a href='/x'>Partner news</a></p>",
    ),
}


def warm_up() -> None:
    """Run one small page per language through the whole of ``process_page``."""
    for language, (title, when, body) in _PAGES.items():
        html = (
            f"<html lang='{language}'><head><title>{title}</title></head><body>"
            f"<nav><a href='/a'>Home</a> <a href='/b'>World</a> <a href='/c'>Sport</a></nav>"
            f"<article><h1>{title}</h1><div class='date'>{when}</div>{body}</article>"
            "</body></html>"
        )
        url = f"https://example.org/{language}/news/1.html"
        page = Page(url, url, "warm-up", language, ("example.org",), html.encode())
        process_page(page)
    # justext's word lists of all its languages (0.4 s): read only when trafilatura falls
    # back on justext, which a small clean page never makes it do.
    jt_stoplist_init()


warm_up()
