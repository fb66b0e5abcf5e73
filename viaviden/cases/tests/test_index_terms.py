"""The full rebuild's term computation (per batch, by sparse matrices) against the plain per-text reading."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from viaviden.cases.search import (
    TERM_LENGTH,
    IndexSource,
    analyzer,
    case_texts,
    terms_of_cases,
)
from viaviden.matching.text import raw_tokens, tokenize

_PIECES = st.sampled_from([
    "ISO", "iso", "9001", " ", "-", "\n", "c", "#", "+", ".net", "NIS 2", "scope", "3", "é", "É", "Ä", "e\u0301",
    "\u0301", "markedsføringsøkonom", "Markedsføringsplan", "salg", "og", "i", "a", "it-support", "ΑΣ", "marketing",
    "energiingeniør", "æøå", "x" * 70, "7q7", "<p>", "</p>", "&amp;", "studiejob", "ds", "en", "gs1",
])
_TEXTS = st.lists(st.lists(st.one_of(_PIECES, st.text(max_size=5)), max_size=12).map("".join), max_size=5)


@settings(deadline=None)
@given(_TEXTS)
def test_texts_joined_by_a_line_break_give_the_tokens_of_each(texts):
    # terms_of_cases tokenises the texts of one weight together.
    assert raw_tokens("\n".join(texts)) == [t for text in texts for t in raw_tokens(text)]


def _source(pk: int, title: str, summary: str, body: str, roles: list[str]) -> IndexSource:
    return IndexSource(pk=pk, title=title, summary=summary, body=body, video_transcript="", company_name="",
                       education_text="", benefit_text="", kind="article", audiences=[], benefits=["growth"],
                       municipality=("787", "Thisted"), industry=None, size_class_id=None, match_type=None,
                       tags=[("t", summary)], partners=[("ucn", "UCN")], roles=roles)


def _reference(src: IndexSource) -> dict[str, int]:
    """Term -> weight read text by text, word by word (how the index was first built)."""
    weights: Counter[str] = Counter()
    for text, weight in case_texts(src):
        for word in tokenize(text):
            whole, *parts = analyzer().terms_of_word(word)
            weights[whole[:TERM_LENGTH]] += weight
            for part in parts:
                weights[part[:TERM_LENGTH]] += max(1, weight // 2)
    return dict(weights)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(_TEXTS, _TEXTS), min_size=1, max_size=4))
def test_terms_of_a_batch_equal_the_word_by_word_reading(cases):
    sources = [_source(i, " ".join(a[:1]), " ".join(a[1:]), "".join(f"<p>{t}</p>" for t in b), b[:1])
               for i, (a, b) in enumerate(cases)]

    found = terms_of_cases(sources)

    assert [dict(zip(terms, weights, strict=True)) for terms, weights in found] == [_reference(s) for s in sources]
    assert all(terms == sorted(terms) for terms, _weights in found)
