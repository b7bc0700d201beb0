"""Learning a site's template from its pages, in a real archive (pages made up here)."""

from __future__ import annotations

from collections.abc import Iterator
from html import escape
from pathlib import Path

import pytest

from crawler import template as tpl
from crawler.boilerplate import Dropped
from crawler.extract import Extracted, Site, extract_article
from crawler.template import PageBlocks, fingerprint, page_blocks, same_story
from storage.db import TEMPLATE_SQL, Archive

SOURCE = "polissia-uk"
PROMO = "Долучайтеся до збору на дрони для бригади: кожна гривня наближає нашу перемогу"

TOWNS = ["Коростені", "Овручі", "Бердичеві", "Звягелі", "Малині", "Радомишлі", "Олевську"]
TOWNS += ["Баранівці", "Черняхові", "Андрушівці", "Чуднові", "Любарі", "Ружині", "Попільні"]
THINGS = ["амбулаторію", "бібліотеку", "стадіон", "ліцей", "міст", "пункт незламності"]
THINGS += ["укриття", "водогін", "котельню", "дитсадок", "сквер", "ЦНАП", "музей", "басейн"]


def story(i: int) -> list[str]:
    """Three paragraphs of a story of its own (words differ, not only numbers)."""
    town, thing = TOWNS[i % len(TOWNS)], THINGS[(i * 5) % len(THINGS)]
    return [
        f"У {town} після ремонту відкрили {thing}, роботи тривали з весни і завершилися "
        f"раніше, ніж обіцяв підрядник у договорі з громадою {town}.",
        f"За словами голови громади, {thing} у {town} обслуговуватиме мешканців навколишніх "
        f"сіл, а гроші на ремонт знайшли в місцевому бюджеті {town}.",
        f"Мешканці {town} кажуть, що давно чекали, коли {thing} знову запрацює, і дякують "
        f"усім, хто долучився до відновлення у {town}.",
    ]


def html(paragraphs: list[str], title: str = "Новини громади") -> bytes:
    body = "\n".join(f'<p class="_t4">{escape(p)}</p>' for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="uk"><head><meta charset="utf-8">
<title>{escape(title)}</title></head><body>
<div class="_w1"><div class="_c2"><h1>{escape(title)}</h1>
{body}
</div></div></body></html>""".encode()


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive(tmp_path / "newsmon.db") as archive:
        yield archive


def crawl_page(archive: Archive, paragraphs: list[str]) -> tuple[str, list[Dropped]]:
    """What the crawl does with one new page: extract with the template, then learn."""
    dropped: list[Dropped] = []
    site = Site(template=archive.template(SOURCE))
    url = "https://polissia.example.ua/n"
    result = extract_article(html(paragraphs), url, site=site, explain=dropped)
    assert isinstance(result, Extracted), result
    archive.learn_template(SOURCE, result.blocks)
    return result.text, dropped


def test_nothing_is_dropped_from_a_site_s_first_pages(archive: Archive) -> None:
    for i in range(tpl.MIN_PAGES):
        text, dropped = crawl_page(archive, [*story(i), PROMO])
        assert PROMO in text, f"dropped from page {i + 1}"
        assert not dropped
    assert fingerprint(PROMO) in archive.template(SOURCE), "learned after the last of them"


def test_a_block_on_many_stories_is_learned_and_left_out(archive: Archive) -> None:
    for i in range(tpl.MIN_PAGES):
        crawl_page(archive, [story(i)[0], PROMO, *story(i)[1:]])
    text, dropped = crawl_page(archive, [story(20)[0], PROMO, *story(20)[1:]])
    assert PROMO not in text
    assert text.split("\n") == story(20)
    assert [d.rule for d in dropped] == ["site template"]
    row = archive.db.execute(
        "select pages, stories, sample from template_blocks where fingerprint = ?",
        [fingerprint(PROMO)],
    ).fetchone()
    assert row == (tpl.MIN_PAGES + 1, tpl.MIN_STORIES, PROMO), "still counted when left out"
    singles = archive.db.execute("select sample from template_blocks where pages = 1").fetchall()
    assert singles and all(sample is None for (sample,) in singles), "no copy of one-off text"


def test_an_updated_story_keeps_its_repeated_paragraph(archive: Archive) -> None:
    """A live story published again and again: its lead is on most of the site's pages
    for a while, and is still the article's own text."""
    lead = story(3)[0]
    update_lines = [f"Оновлено: {s[1]}" for s in (story(j) for j in range(30, 40))]
    pages = 0
    for update in range(8):
        crawl_page(archive, [lead, *update_lines[: update + 2]])
        pages += 1
        if update % 3 == 2:  # now and then another story in between
            crawl_page(archive, story(50 + update))
            pages += 1
    text, dropped = crawl_page(archive, [lead, *update_lines])
    assert lead in text
    assert not [d for d in dropped if d.rule == "site template"]
    assert fingerprint(lead) not in archive.template(SOURCE)


def test_a_background_paragraph_of_a_few_stories_is_kept(archive: Archive) -> None:
    """ "Нагадаємо, …" in a handful of articles among many: a small share of the site."""
    background = (
        "Нагадаємо, торік у громадах області відремонтували понад сорок соціальних "
        "об'єктів за кошти державного фонду регіонального розвитку."
    )
    for i in range(40):
        crawl_page(archive, [*story(i), background] if i % 8 == 0 else story(i))
    text, _ = crawl_page(archive, [*story(60), background])
    assert background in text


def test_learned_blocks_that_are_most_of_a_page_stay(archive: Archive) -> None:
    long_promo = [
        PROMO + " і долучайтеся до волонтерів громади",
        "Збір триває до кінця місяця, реквізити та звіти про витрати публікуємо щотижня на "
        "сторінці фонду, а кожен внесок ми перелічуємо на потреби бригади без комісій.",
    ]
    for i in range(tpl.MIN_PAGES + 1):
        crawl_page(archive, [*story(i), *long_promo])
    short = ["Коротко: у Малині відновили рух мостом після ремонту, який тривав три тижні."]
    text, dropped = crawl_page(archive, short + long_promo)
    assert all(p in text for p in long_promo)
    assert not dropped


def test_what_is_not_seen_again_is_forgotten(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tpl, "FORGET_AFTER", 3)
    monkeypatch.setattr(tpl, "PRUNE_EVERY", 5)
    for i in range(10):
        crawl_page(archive, story(i))
    pages = [row[0] for row in archive.db.execute("select page from template_pages")]
    assert min(pages) == 10 - 3, "pages older than FORGET_AFTER are gone"
    gone = archive.db.execute(
        "select count(*) from template_blocks where fingerprint = ?", [fingerprint(story(0)[0])]
    ).fetchone()[0]
    assert gone == 0
    assert archive.db.execute("select count(*) from template_blocks").fetchone()[0] > 0


def test_sources_learn_apart(archive: Archive) -> None:
    for i in range(tpl.MIN_PAGES):
        crawl_page(archive, [*story(i), PROMO])
    assert fingerprint(PROMO) in archive.template(SOURCE)
    assert archive.template("other-uk") == frozenset()


# -- the pieces --------------------------------------------------------------------------


def test_fingerprints_ignore_case_punctuation_and_digits() -> None:
    assert fingerprint("Переглядів: 1520 за добу") == fingerprint("переглядів 87 за добу!")
    assert fingerprint("Переглядів: 1520 за добу") != fingerprint("Переглядів: 1520 за тиждень")
    assert fingerprint("Фото: Reuters") is None, "too short to learn from"


def test_page_blocks_sign_the_story_with_its_own_long_blocks() -> None:
    lines = [*story(1), PROMO, "Фото: Reuters", story(1)[0]]
    template = frozenset({fingerprint(story(1)[2])})
    blocks = page_blocks(lines, template)
    own = [*story(1), PROMO]
    assert [key for key, _ in blocks.blocks] == [fingerprint(line) for line in own], (
        "once each, short lines left out"
    )
    assert all(line.startswith(text) for line, (_, text) in zip(own, blocks.blocks, strict=True))
    assert set(blocks.signature) == {fingerprint(line) for line in own} - template


def test_same_story() -> None:
    lead, other, new = 1, 2, 3
    assert same_story((lead, other), (lead, other, new), block=9)
    assert not same_story((lead, 4), (5, 6), block=9)
    assert not same_story((lead, 9), (7, 9), block=9), "the block itself does not count"
    assert not same_story((), (lead,), block=9)


def test_page_blocks_default_is_empty() -> None:
    assert PageBlocks() == PageBlocks((), ())


def test_the_template_is_read_through_its_index(archive: Archive) -> None:
    # read after every new article: never a scan of all of a source's blocks
    plan = archive.db.execute(f"explain query plan {TEMPLATE_SQL}", ["s", 5, 3, 0.3, "s"])
    details = " ".join(row[3] for row in plan)
    assert "template_blocks USING INDEX idx_template_blocks_source_pages" in details
