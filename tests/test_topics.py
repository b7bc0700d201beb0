"""The captivity flag: inflections, traps, evidence, watchlist (all sentences made up here)."""

import json
import subprocess
import sys

import pytest

from crawler.topics import Topic, Verdict, Watchlist, classify, load_topic, translit_uk

FILLER_UK = (
    "Уряд ухвалив зміни до бюджету на наступний рік. Міністр фінансів пояснив нові правила. "
    "Податкові надходження зросли на десять відсотків. Експерти оцінюють це стримано. "
    "Банки знизили ставки за депозитами. Ціни на пальне залишаються стабільними. "
    "Аграрії очікують хорошого врожаю зерна. "
)


@pytest.fixture(scope="module")
def topic() -> Topic:
    return load_topic()


def flag(topic: Topic, title: str, text: str = "", lang: str = "uk") -> Verdict:
    return classify(title, text, lang, topic)


def entries(verdict: Verdict) -> set[str]:
    return {m.entry for m in verdict.evidence}


# ------------------------------------------------------------------ inflections (point 2)


@pytest.mark.parametrize(
    ("title", "entry"),
    [
        ("Окупанти взяли в полон двох медиків", "полон"),
        ("Повернувся з російського полону захисник Маріуполя", "полон"),
        ("Понад рік у полоні: історія морпіха", "полон"),
        ("Росія катує українських полонених", "полонений"),
        ("Списки військовополонених передали Червоному Хресту", "військовополонений"),
        ("Окупанти тримають заручників у підвалі в Херсоні", "заручник"),
        ("Родини політв'язнів Кремля вийшли на акцію", "політв'язень"),
        ("Україна і Росія провели черговий етап обміну полоненими", "обмін полонений"),
        ("Україна повернула ще десять депортованих дітей", "депортований дитина"),
    ],
)
def test_ukrainian_inflections_flag(topic: Topic, title: str, entry: str) -> None:
    verdict = flag(topic, title)
    assert verdict.flag, verdict
    assert entry in entries(verdict)


@pytest.mark.parametrize(
    ("title", "entry"),
    [
        ("Двое военных попали в плен под Курском", "плен"),
        ("Военный вернулся из плена после двух лет", "плен"),
        ("Минобороны сообщило о пленных на курском направлении", "пленный"),
        ("Омбудсмен передала списки военнопленных Украине", "военнопленный"),
        ("Оккупанты удерживают заложников в Херсонской области", "заложник"),
        ("Правозащитники насчитали сотни крымских политзаключённых", "политзаключенный"),
        ("Правозащитники насчитали сотни крымских политзаключенных", "политзаключенный"),
    ],
)
def test_russian_inflections_flag(topic: Topic, title: str, entry: str) -> None:
    verdict = flag(topic, title, lang="ru")
    assert verdict.flag, verdict
    assert entry in entries(verdict)


@pytest.mark.parametrize(
    ("title", "entry"),
    [
        ("Ukraine says Russia is mistreating Ukrainian POWs", "pow"),
        ("Kyiv and Moscow complete a prisoner swap", "prisoner swap"),
        ("Freed captives describe life in Russian camps", "captive"),
        ("A medic held captive by Russian forces for a year speaks out", "captive"),
    ],
)
def test_english_forms_flag(topic: Topic, title: str, entry: str) -> None:
    verdict = flag(topic, title, lang="en")
    assert verdict.flag, verdict
    assert entry in entries(verdict)


@pytest.mark.parametrize("apostrophe", ["'", "’", "ʼ"])
def test_ukrainian_apostrophe_is_one_letter(topic: Topic, apostrophe: str) -> None:
    title = f"Родини політв{apostrophe}язнів Кремля вийшли на акцію"
    verdict = flag(topic, title)
    assert verdict.flag
    assert [m.term for m in verdict.evidence] == [f"політв{apostrophe}язнів"]


# ------------------------------------------------------------------ multi-word terms


@pytest.mark.parametrize(
    ("title", "lang"),
    [
        ("Обмін полоненими відбувся на кордоні з Білоруссю", "uk"),
        ("Полоненими Україна та Росія обмінялися вперше за місяць", "uk"),
        ("Обміняли полонених: додому повернулися захисники", "uk"),
        ("Россия и Украина обменялись пленными", "ru"),
        ("Пленными стороны обменялись у границы", "ru"),
        ("Swap of prisoners between Ukraine and Russia delayed", "en"),
        ("Prisoners exchanged at the Belarus border", "en"),
    ],
)
def test_exchange_terms_match_across_word_order(topic: Topic, title: str, lang: str) -> None:
    verdict = flag(topic, title, lang=lang)
    assert verdict.flag
    assert "exchange" in verdict.categories


def test_multiword_term_is_preferred_over_its_parts(topic: Topic) -> None:
    verdict = flag(topic, "Україна і Росія провели обмін полоненими")
    assert [(m.term, m.category) for m in verdict.evidence] == [("обмін полоненими", "exchange")]


# ------------------------------------------------------------------ traps (point 3)


@pytest.mark.parametrize(
    ("title", "lang"),
    [
        ("Выступление министра на пленарном заседании", "ru"),
        ("Преступление раскрыто за сутки, сообщили в полиции", "ru"),
        ("Наступление весны задерживается", "ru"),
        ("Пленарное заседание Госдумы перенесли", "ru"),
        ("В архиве нашли старые плёнки с концертом", "ru"),
        ("Премьер Хорватии Андрей Пленкович посетил Загреб", "ru"),
        ("Зеленський і Андрей Пленкович провели зустріч", "uk"),
        ("Пленарне засідання Верховної Ради перенесли", "uk"),
    ],
)
def test_plen_substrings_are_not_captivity(topic: Topic, title: str, lang: str) -> None:
    verdict = flag(topic, title, lang=lang)
    assert not verdict.flag
    assert verdict.evidence == ()


@pytest.mark.parametrize(
    ("title", "lang"),
    [
        ("Міністри України та Польщі провели обмін думками щодо війни з Росією", "uk"),
        ("Військові медики України обмінялися досвідом з колегами з НАТО", "uk"),
        ("У Києві закрили обмінник валют через фальшиві долари", "uk"),
        ("Ukrainian universities expand their student exchange with Poland", "en"),
        ("Пісня полонила серця мільйонів українців", "uk"),
        ("A captivating documentary about Ukrainian artists", "en"),
        ("Russian propaganda relies on a captive audience", "en"),
        ("Game theory: the prisoner's dilemma explained for Ukrainian students", "en"),
        ("Russia's energy policy leaves Europe a hostage to fortune", "en"),
        ("Захоплення викликає мужність наших захисників на фронті", "uk"),
        ("Я захоплююся українськими військовими", "uk"),
    ],
)
def test_other_senses_are_not_captivity(topic: Topic, title: str, lang: str) -> None:
    assert not flag(topic, title, lang=lang).flag


@pytest.mark.parametrize(
    ("title", "text", "lang"),
    [
        (
            "У Парижі чоловік захопив заручників у ресторані",
            "Нападник вимагає викуп. Поліція оточила будівлю. Заручників відпустили ввечері.",
            "uk",
        ),
        (
            "В Ростове заключенные взяли в заложники сотрудников СИЗО",
            "Ведутся переговоры об освобождении заложников. На месте работает спецназ.",
            "ru",
        ),
        (
            "Gunman takes hostages at a bank in Ohio",
            "He demanded a ransom. Police freed the hostages after six hours.",
            "en",
        ),
        ("Похитители требовали выкуп за бизнесмена в Подмосковье", "", "ru"),
    ],
)
def test_criminal_hostage_taking_is_not_captivity(
    topic: Topic, title: str, text: str, lang: str
) -> None:
    assert not flag(topic, title, text, lang).flag


@pytest.mark.parametrize(
    ("title", "lang"),
    [
        ("Поліція затримала підозрюваного у крадіжці в Одесі", "uk"),
        ("СБУ затримала агента ФСБ у Харкові", "uk"),
        ("Суд відправив нардепа під домашній арешт", "uk"),
        ("В Москве задержали чиновника по делу о взятке", "ru"),
    ],
)
def test_domestic_arrests_are_not_captivity(topic: Topic, title: str, lang: str) -> None:
    assert not flag(topic, title, lang=lang).flag


def test_detention_by_occupiers_is_captivity(topic: Topic) -> None:
    verdict = flag(topic, "Окупанти затримали голову громади на Херсонщині")
    assert verdict.flag
    assert verdict.categories == ("civilian_hostage",)


def test_read_also_teaser_does_not_flag_an_unrelated_article(topic: Topic) -> None:
    teaser = "Читайте також: Україна повернула з полону ще 150 захисників."
    verdict = flag(topic, "Бюджет на наступний рік ухвалено", FILLER_UK + teaser)
    assert not verdict.flag
    assert verdict.evidence == ()


def test_teaser_without_marker_does_not_flag_either(topic: Topic) -> None:
    nav = "\nОбмін полоненими: додому повернулися 150 захисників\n"
    verdict = flag(topic, "Бюджет на наступний рік ухвалено", FILLER_UK + nav)
    assert not verdict.flag


def test_teaser_does_not_rescue_a_weak_article(topic: Topic) -> None:
    weak = FILLER_UK + "Серед тем зустрічі був і обмін, сказав міністр. "
    teaser = "Читайте також: Росія катує полонених захисників Маріуполя."
    alone = flag(topic, "Бюджет ухвалено", weak)
    with_teaser = flag(topic, "Бюджет ухвалено", weak + teaser)
    assert not with_teaser.flag
    assert with_teaser.score == alone.score


def test_a_mention_deep_in_a_long_text_does_not_flag(topic: Topic) -> None:
    text = FILLER_UK * 3 + "Також окупанти досі утримують у полоні тисячі українців. " + FILLER_UK
    assert not flag(topic, "Звернення президента про економіку", text).flag


def test_captivity_as_the_lead_of_a_long_text_flags(topic: Topic) -> None:
    lead = "Сьогодні з російського полону повернулися 95 захисників. "
    assert flag(topic, "Звернення президента", lead + FILLER_UK * 3).flag


@pytest.mark.parametrize(
    "title",
    [
        "Окупанти захопили мера Херсона",
        "Росіяни викрали журналістку в Мелітополі",
        "Захоплення священника в Бердянську: окупанти не відповідають на запити",
    ],
)
def test_seizing_a_civilian_is_captivity(topic: Topic, title: str) -> None:
    verdict = flag(topic, title)
    assert verdict.flag
    assert verdict.categories == ("civilian_hostage",)


def test_admiration_for_a_mayor_is_not_seizure(topic: Topic) -> None:
    assert not flag(topic, "Мешканці Львова із захопленням зустріли мера на фестивалі").flag


def test_the_actor_of_the_previous_sentence_carries_over(topic: Topic) -> None:
    said = "Окупанти вивозять мешканців Маріуполя до Сибіру. Депортація триває третій тиждень."
    unsaid = "Мешканці Маріуполя їдуть до Польщі. Депортація триває третій тиждень."
    assert "депортація" in entries(flag(topic, "Новини", FILLER_UK + said))
    assert "депортація" not in entries(flag(topic, "Новини", FILLER_UK + unsaid))


def test_detained_russian_officers_are_prisoners_of_war(topic: Topic) -> None:
    text = (
        "Затриманим під Щастям російським офіцерам ГРУ оголосили підозру. "
        "Обох військових РФ затримали в травні під час бою за міст."
    )
    assert flag(topic, "Справа двох росіян", text).flag


PASSAGE_UK = (
    "Окупанти досі утримують у полоні тисячі українських захисників і цивільних.\n"
    "Родини полонених щодня звертаються до Координаційного штабу по допомогу.\n"
    "Ми готуємо новий обмін полоненими і говоримо про це з партнерами щодня.\n"
)


def test_captivity_developed_over_paragraphs_of_a_long_text_flags(topic: Topic) -> None:
    text = FILLER_UK * 3 + "\n" + PASSAGE_UK + FILLER_UK * 3
    verdict = flag(topic, "Звернення президента", text)
    assert verdict.flag


def test_one_such_paragraph_in_a_long_text_does_not(topic: Topic) -> None:
    text = FILLER_UK * 3 + "\n" + PASSAGE_UK.replace("\n", " ") + "\n" + FILLER_UK * 3
    assert not flag(topic, "Звернення президента", text).flag


def test_a_leaked_list_of_headlines_is_not_a_passage(topic: Topic) -> None:
    headlines = (
        "\nУкраїна повернула з полону 95 захисників"
        "\nРосія катує полонених у колонії на Донеччині"
        "\nРодини військовополонених вийшли на акцію в Києві"
        "\nОбмін полоненими: додому повернулися медики"
    )
    assert not flag(topic, "Бюджет на наступний рік ухвалено", FILLER_UK * 6 + headlines).flag


# ------------------------------------------------------------------ evidence


def test_evidence_offsets_point_at_the_term(topic: Topic) -> None:
    title = "Новини дня"
    text = "Україна повернула з полону 95 захисників.\nСеред них — медики з Маріуполя."
    verdict = flag(topic, title, text)
    assert verdict.flag
    for m in verdict.evidence:
        source = title if m.field == "title" else text
        assert source[m.start : m.end] == m.term
        assert m.term in m.sentence
    assert verdict.evidence[0].sentence == "Україна повернула з полону 95 захисників."


def test_evidence_offsets_in_the_title_field(topic: Topic) -> None:
    title = "Ukraine and Russia complete prisoner swap"
    verdict = flag(topic, title, "Both sides released 90 people on Friday.", "en")
    match = verdict.evidence[0]
    assert (match.field, title[match.start : match.end]) == ("title", "prisoner swap")


def test_to_json_is_serialisable_and_deterministic(topic: Topic) -> None:
    args = ("Росія катує українських полонених", "Про це заявив омбудсман.", "uk", topic)
    first, second = classify(*args), classify(*args)
    assert first == second
    assert json.dumps(first.to_json(), ensure_ascii=False) == json.dumps(
        second.to_json(), ensure_ascii=False
    )
    assert first.to_json()["categories"] == ("pow", "torture")


def test_unknown_language_gives_no_flag(topic: Topic) -> None:
    verdict = classify("Jeńcy wojenni wrócili", "", "pl", topic)
    assert verdict == Verdict(False, 0.0, (), ())


# ------------------------------------------------------------------ watchlist (point 5)


@pytest.mark.parametrize(
    "text",
    [
        "Олександр Шумков виступив на конференції.",
        "Суд заслухав Олександра Шумкова у справі.",
        "Журналісти написали Шумкову листа.",
        "Александр Шумков дал интервью.",
        "Oleksandr Shumkov spoke at the conference.",
        "An interview with Alexander Shumkov.",
    ],
)
def test_watchlist_finds_every_form(topic: Topic, text: str) -> None:
    watchlist = Watchlist.from_names(["Олександр Шумков"])
    verdict = classify("Новини культури", text, "uk", topic, watchlist)
    assert verdict.flag
    assert verdict.watchlist == ("Олександр Шумков",)
    match = next(m for m in verdict.evidence if m.category == "watchlist")
    assert text[match.start : match.end] == match.term
    assert "Шумков" in match.term or "Shumkov" in match.term


def test_watchlist_ignores_a_lower_case_word(topic: Topic) -> None:
    watchlist = Watchlist.from_names(["Іван Мороз"])
    verdict = classify("Погода", "Вночі буде мороз до десяти градусів.", "uk", topic, watchlist)
    assert not verdict.flag
    assert verdict.watchlist == ()


def test_kmu_2010_transliteration() -> None:
    assert translit_uk("Олександр") == "oleksandr"
    assert translit_uk("Шумков") == "shumkov"
    assert translit_uk("Згурський") == "zghurskyi"
    assert translit_uk("Юлія") == "yuliia"
    assert translit_uk("Їжакевич") == "yizhakevych"


# ------------------------------------------------------------------ vocabulary as data


def test_extra_vocabulary_from_config_extends_the_topic() -> None:
    extra = {"uk": {"terms": {"pow": {"бранець": 1.0}}}}
    topic = load_topic(extra=extra)
    assert classify("Окупанти тримають бранців у підвалі", "", "uk", topic).flag


def test_a_new_topic_can_be_defined_in_config_alone() -> None:
    extra = {"en": {"terms": {"flood": {"flood": 1.0}}, "context": {"link": ["river"]}}}
    topic = load_topic("floods", extra=extra)
    verdict = classify("River flood hits the town", "", "en", topic)
    assert verdict.flag
    assert verdict.categories == ("flood",)


def test_vocabulary_words_are_dictionary_forms(topic: Topic) -> None:
    """A typo or an inflected form in the vocabulary would silently never match."""
    from crawler.topics import _morph_lemmas

    for lang in ("uk", "ru"):
        lexicon = topic.lexicon(lang)
        assert lexicon is not None
        for term in lexicon.terms:
            for lemma in term.lemmas:
                known = _morph_lemmas(lang, lemma)
                assert lemma in known, (lang, term.entry, lemma, known)


def test_importing_topics_does_not_load_the_analyser() -> None:
    code = "import sys, crawler.topics; assert 'pymorphy3' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
