from viaviden.matching.text import Analyzer, CompoundSplitter, normalise, stem, tokenize

VOCABULARY = {
    "software": 5,
    "udvikling": 8,
    "markedsføring": 6,
    "marked": 2,
    "plan": 4,
    "salg": 5,
    "møde": 3,
    "løn": 2,
    "tilskud": 2,
    "netværk": 3,
    "administration": 2,
    "virksomhed": 9,
}


def test_compound_splits_into_known_words():
    # given a vocabulary from guides and profiles
    splitter = CompoundSplitter(VOCABULARY)

    # then compounds split into their parts, with the linking -s- dropped
    assert splitter.split("softwareudvikling") == ["software", "udvikling"]
    assert splitter.split("markedsføringsplan") == ["markedsføring", "plan"]
    assert splitter.split("salgsmøde") == ["salg", "møde"]
    assert splitter.split("løntilskud") == ["løn", "tilskud"]
    assert splitter.split("netværksadministration") == ["netværk", "administration"]


def test_compound_head_may_be_inflected():
    splitter = CompoundSplitter(VOCABULARY)

    assert splitter.split("softwareudviklingen") == ["software", "udviklingen"]
    assert splitter.split("markedsføringsplaner") == ["markedsføring", "planer"]


def test_words_that_are_not_compounds_stay_whole():
    splitter = CompoundSplitter(VOCABULARY)

    assert splitter.split("virksomhed") == ["virksomhed"]
    assert splitter.split("markedsføring") == ["markedsføring"]  # more common than marked + føring
    assert splitter.split("udvikling") == ["udvikling"]
    assert splitter.split("ukendtord") == ["ukendtord"]
    assert splitter.split("plan") == ["plan"]


def test_stemming_is_snowball_danish():
    assert stem("servere") == "serv"
    assert stem("server") == "serv"
    assert stem("opgaver") == stem("opgave")
    assert stem("kunderne") == stem("kunder")


def test_tokenize_drops_stop_words_numbers_and_one_letter_words_and_splits_hyphens():
    # "søger" opens nearly every job ad: a function word of the domain, not a competence
    assert tokenize("Vi søger en IT-supporter til 2025 og e-handel") == ["it", "supporter", "handel"]


def test_normalise_folds_accents_and_keeps_danish_letters():
    assert normalise("Café Ærø Å C# C++ .NET") == "cafe ærø å  csharp   cplusplus   dotnet "


def test_analyzer_indexes_whole_compound_and_its_parts():
    # given
    analyzer = Analyzer(VOCABULARY)

    # when
    words = analyzer.words("Markedsføringsplan for softwareudvikling")

    # then
    assert [w.surface for w in words] == ["markedsføringsplan", "softwareudvikling"]
    assert words[0].terms == ("markedsføringsplan", "markedsføring", "plan")
    assert words[1].terms == ("softwareudvikling", "softwar", "udvikling")
    assert analyzer.terms("markedsføring og salg") == ["markedsføring", "salg"]


def test_analyzer_maps_english_loan_words_to_danish():
    analyzer = Analyzer({})

    assert analyzer.terms("marketing") == ["marketing", "markedsføring"]


def test_unknown_modifier_before_a_known_long_head_is_split_off():
    splitter = CompoundSplitter({"kontrakter": 2, "server": 3, "plan": 4})

    assert splitter.split("standardkontrakter") == ["standard", "kontrakter"]
    assert splitter.split("ansættelseskontrakter") == ["ansættelse", "kontrakter"]
    assert splitter.split("filserver") == ["fil", "server"]
    assert splitter.split("arbejdsplan") == ["arbejdsplan"]  # a head of four letters is too short to trust
