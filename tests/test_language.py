"""Unit tests of crawler.language on short texts written for the purpose."""

import langdetect
import pytest

from crawler.language import MAX_CHARS, detect_language

UK = (
    "Дванадцять українських військових, які понад рік перебували в російському полоні, "
    "повернулися додому після чергового обміну. Їх зустріли рідні та представники "
    "обласної військової адміністрації."
)
RU = (
    "Двенадцать украинских военных, которые больше года находились в российском плену, "
    "вернулись домой после очередного обмена. Их встретили родные и представители "
    "областной военной администрации."
)
# No ы, э or ё in 170 letters: Russian by the absence of і, ї, є and ґ.
RU_PLAIN = (
    "Лукаш Подольски – третий по количеству матчей за сборную Германии после Лотара "
    "Маттеуса и Бастиана Швайнштайгера. Ранее об уходе из сборной заявил другой ее гвардеец."
)
EN = (
    "Twelve Ukrainian soldiers who had spent more than a year in Russian captivity returned "
    "home after the latest exchange. They were met by their families and by officials of "
    "the regional military administration."
)
UK_QUOTING_RU = (
    "Він сказав: «Мы не отдадим ни пяди земли», — і додав, що переговори тривають. "
    "Представники України наголосили, що всі полонені мають повернутися додому."
)
RU_QUOTING_UK = (
    "Министр заявил, что обмен пленными продолжится в ближайшие недели. По его словам, "
    "украинская сторона передала список, озаглавленный «Всіх на всіх», и ждет ответа. "
    "Переговоры проходят при посредничестве Объединенных Арабских Эмиратов."
)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (UK, "uk"),
        (RU, "ru"),
        (RU_PLAIN, "ru"),
        (EN, "en"),
        (UK_QUOTING_RU, "uk"),
        (RU_QUOTING_UK, "ru"),
        ("Зеленський провів нараду щодо обміну полоненими з Росією", "uk"),
        ("Зеленский провел совещание по обмену пленными с Россией", "ru"),
        ("Ukraine and Russia swap hundreds of prisoners of war in the largest exchange", "en"),
    ],
)
def test_language_without_prior(text: str, code: str) -> None:
    assert detect_language(text)[0] == code


@pytest.mark.parametrize(
    ("text", "prior", "code"),
    [
        # Strong evidence outweighs the edition's language.
        (UK_QUOTING_RU, "ru", "uk"),
        (RU, "uk", "ru"),
        ("Зеленський провів нараду щодо обміну полоненими з Росією", "ru", "uk"),
        (EN, "uk", "en"),
    ],
)
def test_strong_evidence_beats_prior(text: str, prior: str, code: str) -> None:
    assert detect_language(text, prior)[0] == code


@pytest.mark.parametrize(
    "text",
    [
        "Головне за день",  # no letter of either language
        "Кличко і Путин вышли",  # one of each
    ],
)
def test_prior_breaks_ties(text: str) -> None:
    uk, uk_confidence = detect_language(text, prior="uk")
    ru, ru_confidence = detect_language(text, prior="ru")
    assert (uk, ru) == ("uk", "ru")
    assert uk_confidence < 0.95 and ru_confidence < 0.95  # and says it was close


def test_english_prior_settles_a_short_headline() -> None:
    assert detect_language("Zelensky meets Biden in Kyiv", prior="en")[0] == "en"


@pytest.mark.parametrize(
    "text",
    [
        # Bulgarian, Belarusian, Serbian: Cyrillic, neither Ukrainian nor Russian.
        "Българските власти съобщиха, че са задържали трима души във връзка с нападението. "
        "Министърът на вътрешните работи каза, че разследването продължава.",
        "Беларускія ўлады паведамілі, што затрымалі трох чалавек у сувязі з нападам.",
        "Председник Србије је у среду разговарао са представницима владе о новим мерама.",
        # German, Polish: Latin, not English.
        "Die Bundesregierung hat am Mittwoch neue Maßnahmen zur Unterstützung der Ukraine "
        "beschlossen, wie ein Sprecher in Berlin mitteilte.",
        "Prezydent Polski spotkał się w środę z przedstawicielami rządu Ukrainy w Warszawie.",
        # Neither script.
        "Η κυβέρνηση ανακοίνωσε νέα μέτρα στήριξης για την Ουκρανία.",
        "乌克兰和俄罗斯交换了战俘。",
    ],
)
def test_other_languages(text: str) -> None:
    assert detect_language(text, prior="uk")[0] == "other"


def test_apostrophes_are_one_letter() -> None:
    variants = [f"Об{a}єкт з{a}явився п{a}ять разів" for a in ("'", "’", "ʼ")]
    results = {detect_language(v) for v in variants}
    assert len(results) == 1
    assert results.pop()[0] == "uk"


def test_apostrophe_counts_as_ukrainian() -> None:
    # No і, ї, є or ґ here: the apostrophes of п'ять and м'ясних are the only Ukrainian mark.
    assert detect_language("П'ять м'ясних страв")[0] == "uk"
    assert detect_language("Пять мясних страв")[0] == "ru"


def test_only_the_beginning_is_read() -> None:
    text = (UK + " ") * (MAX_CHARS // len(UK) + 1) + RU * 50
    assert detect_language(text)[0] == "uk"


@pytest.mark.parametrize("text", ["", "   ", "12 345 — 67,8 %", "📷 ©"])
def test_no_letters(text: str) -> None:
    assert detect_language(text) == ("other", 0.0)
    assert detect_language(text, prior="uk") == ("uk", 0.0)


@pytest.mark.parametrize("prior", [None, "", "uk", "ru", "en", "de"])
def test_confidence_is_a_probability(prior: str | None) -> None:
    for text in (UK, RU, EN, UK_QUOTING_RU, "Головне за день", "Zelensky in Kyiv", "乌克兰"):
        code, confidence = detect_language(text, prior)
        assert code in ("uk", "ru", "en", "other")
        assert 0.0 <= confidence <= 1.0


def test_long_clear_text_is_confident() -> None:
    assert detect_language(UK)[1] > 0.99
    assert detect_language(RU)[1] > 0.99
    assert detect_language(EN)[1] > 0.99


def test_deterministic_whatever_the_global_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    # Short Latin text goes to langdetect, which is random unless seeded.
    texts = ["Zelensky in Kyiv", "Kyiv talks", "Reuters", "Donbas front"]
    first = [detect_language(t) for t in texts]
    monkeypatch.setattr(langdetect.DetectorFactory, "seed", None)
    assert [detect_language(t) for t in texts] == first
    monkeypatch.setattr(langdetect.DetectorFactory, "seed", 12345)
    assert [detect_language(t) for t in texts] == first
