"""The matching index and the ranking; see the package docstring and docs/matching.md for the interface.

Scoring of one candidate c for one job profile q (both directions use the same formula):

    guide(c, q)  = 1 - (1 - programme_fit(programme(c), q)) * (1 - own(c, q))       (either may carry the fit)
    own(c, q)    = OWN_TEXT_FACTOR * areas(q) · areas(text(c))
    programme_fit(p, q) = AREA_PART * Σ_a areas(q)[a] * weight(p, a)  +  GUIDE_TEXT_PART * bm25(q, guide text of p) / max_p
    text(c, q)   = bm25(q, text(c)) / max over the candidates that pass the filters
    score        = (GUIDE_WEIGHT * guide + TEXT_WEIGHT * text) * timing
    timing       = 1 when c can start within LATE_GRACE_DAYS of q's earliest start, then falling linearly to
                   LATE_FLOOR one year later (late candidates are ranked lower, never excluded)

`areas(text)` maps a text to the task areas of the competence guides through their keywords, names and
descriptions (stemmed, compounds split, weighted by how specific a word is to an area). Hard filters
(excluded, never just ranked lower): level outside a non-empty `JobProfile.levels`; no shared match type
when both sides state types; travel time above the candidate's maximum unless the candidate is willing to
move. A candidate with nothing in common with the profile (score 0) is not suggested.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from scipy import sparse

from .geography import TravelTimes, is_reachable
from .guides import LEVELS, CompetenceGuide, load_match_type_names
from .text import (
    SYNONYMS,
    Analyzer,
    Word,
    derivation_roots,
    level_cues,
    normalise,
    request_sentences,
    stem,
    tokenize,
)

SYNONYM_WORDS = tuple(SYNONYMS)
_RAW_WORD = re.compile(r"[0-9a-zæøå]+")

# Weights of the signals (see the module docstring).
GUIDE_WEIGHT = 0.5
TEXT_WEIGHT = 0.5
AREA_PART = 0.6
GUIDE_TEXT_PART = 0.4
OWN_TEXT_FACTOR = 0.8
# Mapping a text to task areas.
AREA_MIN_SCORE = 0.5  # below this (about half a specific keyword) a text maps to no area
AREA_RELATIVE = 0.4  # areas scoring under this share of the best area are dropped
AREA_TOP = 3
AREA_SATURATION = 2.0  # a candidate text with this much keyword weight in an area has affinity 1
DESCRIPTION_WEIGHT = 0.4  # words of an area's description count less than its keywords and name
COMPOUND_PART_WEIGHT = 0.5  # a part of a compound keyword ("bruger" in "brugeradministration")
# Vocabulary (data/reference/education/vocabulary.json), typos and derivations, levels.
VOCAB_AREA_WEIGHT = 1.0  # a vocabulary hit counts like a keyword specific to its task areas
VOCAB_PART = 0.3  # share of a programme's fit from vocabulary entries that name it (job titles)
VOCAB_PART_HIT = 0.5  # a vocabulary word found as the head of a compound ("revisor" in "statsautoriseret|revisor")
DERIVED_WEIGHT = 0.8  # a word met through its derivation ("automatisere" → "automatisering")
TYPO_WEIGHT = 0.8  # a word met through a spelling correction ("rekrutering" → "rekruttering")
MIN_FUZZY_LEN = 7  # shorter unknown words are not corrected ("færre" is not a misspelt "færge")
LEVEL_BOOST = 0.3  # a level named in the text ("civilingeniør") raises that level's score by this share
MAX_VOCAB_REASONS = 3
# Timing.
LATE_GRACE_DAYS = 92
LATE_SLOPE_DAYS = 365
LATE_FLOOR = 0.5
# BM25.
K1 = 1.2
B = 0.75

LEVEL_CODE = {None: 0, **{level: i + 1 for i, level in enumerate(LEVELS)}}
LEVEL_NAME = {i + 1: level for i, level in enumerate(LEVELS)}
MONTHS_DA = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
MAX_COMMON_WORDS = 6


@dataclass(frozen=True)
class CandidateDoc:
    """What the engine knows of a candidate. There are no fields for age, gender, ethnicity or health."""

    id: Hashable
    programme_slug: str | None
    level: str | None  # KVU | MVU | LVU; None = take it from the programme, if known
    text: str  # competences and experience, free Danish text
    match_types: frozenset[str] = frozenset()  # empty = any
    available_from: dt.date | None = None  # None = now
    home_municipality: str | None = None  # municipality code, e.g. "851"
    max_travel_minutes: int | None = None  # None = any distance
    willing_to_move: bool = False

    def __post_init__(self) -> None:
        if self.level not in LEVEL_CODE:
            raise ValueError(f"candidate {self.id}: unknown level {self.level!r}")
        if self.max_travel_minutes is not None and self.max_travel_minutes < 0:
            raise ValueError(f"candidate {self.id}: negative max_travel_minutes")


@dataclass(frozen=True)
class JobProfile:
    """A need, job or bourse case as the engine sees it."""

    id: Hashable
    text: str  # the tasks, free Danish text
    match_types: frozenset[str] = frozenset()  # empty = any
    levels: frozenset[str] = frozenset()  # empty = any level; a non-empty set excludes the others
    municipality: str | None = None  # municipality code of the workplace
    earliest_start: dt.date | None = None

    def __post_init__(self) -> None:
        unknown = set(self.levels) - set(LEVELS)
        if unknown:
            raise ValueError(f"profile {self.id}: unknown levels {sorted(unknown)}")


class _RowInfo(NamedTuple):
    """What the reasons need of an indexed candidate."""

    match_types: frozenset[str]
    available_from: dt.date | None
    home_municipality: str | None
    max_travel_minutes: int | None
    willing_to_move: bool


@dataclass
class Suggestion:
    id: Hashable
    score: float  # 0..1, higher is better; comparable within one ranking only
    reasons: list[str] = field(default_factory=list)  # plain Danish


def format_date_da(day: dt.date) -> str:
    return f"{day.day}. {MONTHS_DA[day.month - 1]} {day.year}"


def _idf(n: float, df: np.ndarray | float) -> np.ndarray:
    return np.log1p((n - df + 0.5) / (np.asarray(df, dtype=np.float64) + 0.5))


def _bm25_tf(tf: np.ndarray, dl: np.ndarray, avgdl: float) -> np.ndarray:
    tf = tf.astype(np.float32)
    return (tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl.astype(np.float32) / np.float32(avgdl)))).astype(np.float32)


class _StaticBM25:
    """BM25 over a fixed, small set of documents given as term lists (programme guides, open needs)."""

    def __init__(self, docs: Sequence[Sequence[str]]):
        self.vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for i, doc in enumerate(docs):
            for term in doc:
                rows.append(i)
                cols.append(self.vocab.setdefault(term, len(self.vocab)))
        self.n = len(docs)
        dl = np.array([len(d) for d in docs], dtype=np.float32)
        avgdl = float(dl.mean()) if self.n and dl.sum() else 1.0
        tf = sparse.csc_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(self.n, len(self.vocab)))
        tf.sum_duplicates()
        df = np.diff(tf.indptr)
        idf = _idf(self.n, df).astype(np.float32)
        cols_of_nnz = np.repeat(np.arange(len(self.vocab)), df)
        self.data = _bm25_tf(tf.data, dl[tf.indices], avgdl) * idf[cols_of_nnz]
        self.indices = tf.indices.astype(np.int32)
        self.indptr = tf.indptr
        self.doc_terms = [frozenset(d) for d in docs]

    def score(self, terms: Iterable[str] | dict[str, float]) -> np.ndarray:
        """BM25 of a query; a dict gives each term a weight (request sentences, compound parts, corrections)."""
        weighted = terms if isinstance(terms, dict) else dict.fromkeys(terms, 1.0)
        scores = np.zeros(self.n, dtype=np.float32)
        for term, w in weighted.items():
            j = self.vocab.get(term)
            if j is not None:
                a, b = self.indptr[j], self.indptr[j + 1]
                scores[self.indices[a:b]] += self.data[a:b] * np.float32(w)
        return scores


def _normalised(scores: np.ndarray, floor: float = 0.0) -> np.ndarray:
    top = max(float(scores.max()) if scores.size else 0.0, floor)
    return scores / np.float32(top) if top > 0 else np.zeros_like(scores)


@dataclass(frozen=True)
class _VocabHit:
    entry: int  # index into the guide's vocabulary
    surface: str  # the words of the text that matched
    weight: float


@dataclass(frozen=True)
class _Query:
    words: tuple[Word, ...]
    terms: frozenset[str]
    term_weights: dict[str, float]  # term -> weight (request sentences, compound parts, corrections)
    vocab_hits: tuple[_VocabHit, ...]
    level_cues: dict[str, str]  # level -> the word of the text that names it
    level_boost: np.ndarray  # (len(LEVEL_CODE),) factor per level code: 1 when named (or none named), else less
    areas: np.ndarray  # distribution over task areas (sums to 1, or all 0)
    programme_area_fit: np.ndarray  # (P,)
    programme_text: np.ndarray  # (P,), 0..1
    programme_fit: np.ndarray  # (P + 1,) AREA_PART * area fit + GUIDE_TEXT_PART * guide text; 0 for "none"
    programme_best_area: np.ndarray  # (P + 1,) the area contributing most to the programme's area fit, or -1
    vocab_reason_cache: dict[int, list[str]] = field(default_factory=dict)  # programme -> reasons (per query)


class _GuideModel:
    """The competence guides in the form the ranking needs."""

    def __init__(self, guide: CompetenceGuide, analyzer: Analyzer):
        self.guide = guide
        self.analyzer = analyzer
        self.areas = list(guide.task_areas.values())
        self.programmes = list(guide.programmes.values())
        self.programme_index = {p.slug: i for i, p in enumerate(self.programmes)}
        self.area_index = {a.slug: i for i, a in enumerate(self.areas)}
        n_areas, n_programmes = len(self.areas), len(self.programmes)
        self.weights = np.zeros((n_programmes, n_areas), dtype=np.float32)
        for i, programme in enumerate(self.programmes):
            for area, weight in programme.task_areas.items():
                self.weights[i, self.area_index[area]] = weight
        programme_terms = [analyzer.terms(p.guide_text) for p in self.programmes]
        self.programme_docs = _StaticBM25(programme_terms)
        self.guide_text_floor = float(_idf(len(programme_terms), 2)) if programme_terms else 0.0
        # Term -> weight per area: keywords and name 1, description DESCRIPTION_WEIGHT, a compound part half
        # of its word (the largest counts); times how specific the term is to an area (in how few areas it
        # occurs) and how specific it is at all (in how few programme texts it occurs: "virksomhed" is in
        # most), each scaled to 1 for a term of one area / at most two programmes.
        raw: dict[str, np.ndarray] = {}
        for a, area in enumerate(self.areas):
            sources = [(kw, 1.0) for kw in (area.name_da, *area.keywords_da)]
            sources.append((area.description_da, DESCRIPTION_WEIGHT))
            for text, weight in sources:
                for word in analyzer.words(text):
                    for i, term in enumerate(word.terms):
                        vec = raw.setdefault(term, np.zeros(n_areas, dtype=np.float32))
                        vec[a] = max(vec[a], weight if i == 0 else COMPOUND_PART_WEIGHT * weight)
        programme_df = Counter(t for terms in programme_terms for t in set(terms))
        n_docs = len(self.programmes)
        self.area_terms: dict[str, np.ndarray] = {}
        if n_areas:
            top = math.log1p(n_areas)
            for term, vec in raw.items():
                spread = int(np.count_nonzero(vec))
                generic = 1.0
                if programme_df[term] > 2:
                    generic = math.log1p(n_docs / programme_df[term]) / math.log1p(n_docs / 2)
                self.area_terms[term] = vec * np.float32(math.log1p(n_areas / spread) / top * generic)
        self.level_codes = np.array([LEVEL_CODE[p.level] for p in self.programmes], dtype=np.int8)
        self._build_vocabulary()
        self._build_corrections()

    def _build_vocabulary(self) -> None:
        """Vocabulary entries keyed by the stems of their words. One-word entries also join the term -> area
        weights (so a candidate's own text meets them too); longer ones are found as phrases in a query."""
        entries = self.guide.vocabulary
        n_areas, n_programmes = len(self.areas), len(self.programmes)
        self.vocab_areas = np.zeros((len(entries), n_areas), dtype=np.float32)
        self.vocab_programmes = np.zeros((len(entries), n_programmes), dtype=np.float32)
        self.vocab_keys: dict[tuple[str, ...], list[int]] = {}
        # Phrases that are one word (or none) once function words, numbers and one-letter words are gone
        # ("nye kunder", "gøre opmærksom på", "Microsoft 365", "e-conomic", "front-end"): keyed by the stems
        # of all their words and matched only as the whole phrase in the text's full word sequence, so the
        # everyday word left over ("kunder") never becomes a key by itself.
        self.vocab_phrase_keys: dict[tuple[str, ...], list[tuple[int, str]]] = {}
        for e, entry in enumerate(entries):
            for slug, weight in entry.areas.items():
                self.vocab_areas[e, self.area_index[slug]] = weight
            for slug, weight in entry.programmes.items():
                self.vocab_programmes[e, self.programme_index[slug]] = weight
            for surface in entry.terms:
                key = tuple(stem(w) for w in tokenize(surface))
                raw = _RAW_WORD.findall(normalise(surface))
                if len(raw) > 1 and len(key) <= 1:
                    self.vocab_phrase_keys.setdefault(tuple(stem(w) for w in raw), []).append((e, surface))
                elif key:
                    self.vocab_keys.setdefault(key, []).append(e)
        self.vocab_max_len = max((len(k) for k in self.vocab_keys), default=0)
        self.vocab_phrase_max_len = max((len(k) for k in self.vocab_phrase_keys), default=0)
        self.vocab_area_order = [
            [int(a) for a in np.argsort(-row, kind="stable") if row[a] > 0] for row in self.vocab_areas
        ]
        single: dict[str, np.ndarray] = {}
        for key, es in self.vocab_keys.items():
            if len(key) == 1:
                vec = self.vocab_areas[es].max(axis=0) * np.float32(VOCAB_AREA_WEIGHT)
                single[key[0]] = np.maximum(single.get(key[0], vec), vec)
        for term, vec in single.items():
            old = self.area_terms.get(term)
            self.area_terms[term] = vec if old is None else np.maximum(old, vec)

    def _build_corrections(self) -> None:
        """What a query word unknown to the guides may be corrected to: the surface words of the guides and
        the vocabulary (for typos), and the stems of the guides by derivation root."""
        known_terms = set(self.area_terms) | set(self.programme_docs.vocab)
        self.known_terms = frozenset(known_terms)
        self.roots: dict[str, set[str]] = {}
        for term in known_terms:
            for root in derivation_roots(term):
                self.roots.setdefault(root, set()).add(term)
        surfaces: dict[str, None] = {}
        for text in self.guide.texts():
            for word in tokenize(text):
                if len(word) >= MIN_FUZZY_LEN - 1:
                    surfaces[word] = None
        for word in SYNONYM_WORDS:
            surfaces[word] = None
        self.surfaces_by_initial: dict[str, list[str]] = {}
        for word in surfaces:
            self.surfaces_by_initial.setdefault(word[0], []).append(word)
        self._corrections: dict[str, tuple[tuple[str, float], ...]] = {}
        self._corrections_lock = threading.Lock()

    def expand(self, word: Word) -> tuple[tuple[str, float], ...]:
        """The weighted terms of a query word; a word of which the guides know no term is met through its
        derivation ("programmør" → "programmering") or, failing that, the nearest known spelling within one
        edit (two for words of 8+ letters). Cached per word."""
        weighted = self.analyzer.weighted_terms_of_word(word.surface)
        if any(t in self.known_terms for t, _ in weighted) or len(word.surface) < MIN_FUZZY_LEN:
            return weighted
        found = self._corrections.get(word.surface)
        if found is None:
            extra: dict[str, float] = {}
            for root in derivation_roots(word.terms[0]):
                for term in self.roots.get(root, ()):
                    extra[term] = DERIVED_WEIGHT
            if not extra:
                limit = 1 if len(word.surface) < 8 else 2
                # Typos rarely hit the first letter; keeping it avoids far-fetched corrections and halves the work.
                choices = self.surfaces_by_initial.get(word.surface[0], ())
                best = process.extractOne(word.surface, choices, scorer=Levenshtein.distance, score_cutoff=limit)
                if best is not None:
                    for term, w in self.analyzer.weighted_terms_of_word(best[0]):
                        extra[term] = max(extra.get(term, 0.0), w * TYPO_WEIGHT)
            found = tuple(extra.items())
            with self._corrections_lock:
                if len(self._corrections) > 100_000:
                    self._corrections.clear()
                self._corrections[word.surface] = found
        return (*weighted, *found)

    def area_scores(self, terms: Iterable[str] | dict[str, float]) -> np.ndarray:
        weighted = terms if isinstance(terms, dict) else dict.fromkeys(terms, 1.0)
        scores = np.zeros(len(self.areas), dtype=np.float32)
        for term, w in weighted.items():
            vec = self.area_terms.get(term)
            if vec is not None:
                scores += vec * np.float32(w) if w != 1.0 else vec
        return scores

    def area_distribution(self, terms: Iterable[str] | dict[str, float], extra: np.ndarray | None = None) -> np.ndarray:
        scores = self.area_scores(terms)
        if extra is not None:
            scores += extra
        if not scores.size or scores.max() < AREA_MIN_SCORE:
            return np.zeros_like(scores)
        keep = np.argsort(-scores, kind="stable")[:AREA_TOP]
        keep = keep[scores[keep] >= AREA_RELATIVE * scores.max()]
        dist = np.zeros_like(scores)
        dist[keep] = scores[keep]
        return dist / dist.sum()

    def affinity(self, terms: Iterable[str]) -> np.ndarray:
        """How much a candidate's own text covers each task area, 0..1."""
        return np.minimum(self.area_scores(terms) / AREA_SATURATION, 1.0).astype(np.float32)

    def _vocab_hits(self, words: list[Word], expansions: list[tuple[tuple[str, float], ...]], weight: float) -> list[_VocabHit]:
        """Vocabulary entries named in one sentence: the longest phrase first, then single words, their
        corrections and the parts of compounds."""
        hits: list[_VocabHit] = []
        stems = [w.terms[0] for w in words]
        i = 0
        while i < len(words):
            for n in range(min(self.vocab_max_len, len(words) - i), 1, -1):
                es = self.vocab_keys.get(tuple(stems[i : i + n]))
                if es:
                    surface = " ".join(w.surface for w in words[i : i + n])
                    hits.extend(_VocabHit(e, surface, weight) for e in es)
                    i += n
                    break
            else:
                best: dict[int, float] = {}
                own = words[i].terms
                candidates = [(own[0], 1.0)]
                # The head of a compound names what it is ("lager|chef"); another part counts only when it is
                # long enough to be specific ("vindmølle|service"), never a short, common one ("sol|celle|anlæg").
                for part in self.analyzer.vocabulary_parts_of_word(words[i].surface):
                    candidates.append((part, VOCAB_PART_HIT))
                candidates.extend((t, w) for t, w in expansions[i] if t not in own)  # derivations, corrections
                for term, w in candidates:
                    for e in self.vocab_keys.get((term,), ()):
                        best[e] = max(best.get(e, 0.0), w)
                hits.extend(_VocabHit(e, words[i].surface, weight * w) for e, w in best.items())
                i += 1
        return hits

    def _vocab_phrase_hits(self, sentence: str, weight: float) -> list[_VocabHit]:
        """Vocabulary phrases with function words, numbers or one-letter words, found in the sentence's
        full word sequence (longest first, no overlaps)."""
        if not self.vocab_phrase_keys:
            return []
        stems = [stem(w) for w in _RAW_WORD.findall(normalise(sentence))]
        hits: list[_VocabHit] = []
        i = 0
        while i < len(stems):
            for n in range(min(self.vocab_phrase_max_len, len(stems) - i), 1, -1):
                found = self.vocab_phrase_keys.get(tuple(stems[i : i + n]))
                if found:
                    hits.extend(_VocabHit(e, surface, weight) for e, surface in found)
                    i += n
                    break
            else:
                i += 1
        return hits

    def query(self, text: str) -> _Query:
        all_words: list[Word] = []
        weights: dict[str, float] = {}
        hits: list[_VocabHit] = []
        for sentence, sentence_weight in request_sentences(text):
            words = self.analyzer.words(sentence)
            expansions = [self.expand(w) for w in words]
            for expansion in expansions:
                for term, w in expansion:
                    w *= sentence_weight
                    if w > weights.get(term, 0.0):
                        weights[term] = w
            if self.vocab_keys:
                hits.extend(self._vocab_hits(words, expansions, sentence_weight))
                hits.extend(self._vocab_phrase_hits(sentence, sentence_weight))
            all_words.extend(words)
        terms = frozenset(weights)
        # Single-word vocabulary entries are already in the term -> area weights; phrases add here.
        extra = np.zeros(len(self.areas), dtype=np.float32)
        vocab_prog = np.zeros(len(self.programmes), dtype=np.float32)
        seen: set[int] = set()
        for hit in sorted(hits, key=lambda h: -h.weight):
            if hit.entry in seen:
                continue
            seen.add(hit.entry)
            if not _is_single_word(hit.surface):
                extra += self.vocab_areas[hit.entry] * np.float32(VOCAB_AREA_WEIGHT * hit.weight)
            vocab_prog += self.vocab_programmes[hit.entry] * np.float32(hit.weight)
        areas = self.area_distribution(weights, extra)
        area_fit = self.weights @ areas if self.programmes else np.zeros(0, dtype=np.float32)
        # Scaled to the best programme, but never by less than one shared word found in two guides: a need
        # whose only link to the guides is one everyday word ("plan", "privat") gives no programme the full
        # guide-text share.
        guide_text = _normalised(self.programme_docs.score(weights), self.guide_text_floor)
        cues = level_cues(text)
        # A named level is preferred: the other levels (and unknown ones) are scaled down by 1 / (1 + LEVEL_BOOST),
        # which ranks like a boost of the named level and keeps every score within 0..1.
        level_boost = np.ones(len(LEVEL_CODE), dtype=np.float32)
        if cues:
            level_boost[:] = np.float32(1 / (1 + LEVEL_BOOST))
            for level in cues:
                level_boost[LEVEL_CODE[level]] = 1
        fit = AREA_PART * area_fit + GUIDE_TEXT_PART * guide_text + VOCAB_PART * _normalised(vocab_prog)
        fit = np.minimum(fit, 1)  # the vocabulary adds to the two guide signals; a fit stays within 0..1
        fit = fit * level_boost[self.level_codes] if cues else fit
        fit = np.append(fit, 0).astype(np.float32)
        best = np.full(len(self.programmes) + 1, -1, dtype=np.int64)
        if self.programmes and areas.any():
            contrib = self.weights * areas
            best[:-1] = np.where(contrib.max(axis=1) > 0, contrib.argmax(axis=1), -1)
        unique_hits = tuple({(h.entry, h.surface): h for h in sorted(hits, key=lambda h: h.weight)}.values())
        return _Query(
            tuple(all_words),
            terms,
            weights,
            tuple(sorted(unique_hits, key=lambda h: -h.weight)),
            cues,
            level_boost,
            areas,
            area_fit.astype(np.float32),
            guide_text,
            fit,
            best,
        )


class MatchingIndex:
    """Candidates prepared for fast ranking. Build once with `build`, keep current with `add`/`remove`.

    Thread-safe: one lock serialises changes and queries (a query over 50,000 candidates takes a few ms).
    """

    def __init__(
        self,
        guide: CompetenceGuide,
        travel: TravelTimes | None,
        analyzer: Analyzer,
        match_type_names: dict[str, str] | None = None,
    ):
        self._lock = threading.RLock()
        self.analyzer = analyzer
        self.travel = travel if travel is not None else TravelTimes.empty()
        self.model = _GuideModel(guide, analyzer)
        self.match_type_names = match_type_names if match_type_names is not None else load_match_type_names()
        self._type_bits: dict[str, int] = {}
        self._terms: dict[str, int] = {}
        self._query_cache: dict[str, _Query] = {}
        n_areas = len(self.model.areas)
        # Per-row arrays (capacity grows by doubling); row numbers change only in _rebuild.
        self._cap = 0
        self._n = 0
        self._alive = np.zeros(0, dtype=bool)
        self._level = np.zeros(0, dtype=np.int8)
        self._types = np.zeros(0, dtype=np.int64)
        self._muni = np.zeros(0, dtype=np.int16)
        self._max_travel = np.zeros(0, dtype=np.float32)
        self._willing = np.zeros(0, dtype=bool)
        self._avail = np.zeros(0, dtype=np.float32)  # day ordinal (exact in float32); 0 = available now
        self._prog = np.zeros(0, dtype=np.int16)
        self._dl = np.zeros(0, dtype=np.float32)
        self._aff = np.zeros((n_areas, 0), dtype=np.float32)
        self._ids: list[Hashable | None] = []
        self._rows: dict[Hashable, int] = {}
        self._docs: list[_RowInfo | None] = []
        self._word_ids: dict[str, tuple[int, ...]] = {}
        # Text: rows [0, _n_main) in column-compressed BM25 weights (no idf; idf is applied per query from
        # _df), rows added later in _delta until the next _rebuild.
        self._n_main = 0
        self._tf = sparse.csr_matrix((0, 0), dtype=np.uint16)
        self._col_ptr = np.zeros(1, dtype=np.int64)
        self._col_rows = np.zeros(0, dtype=np.int32)
        self._col_w = np.zeros(0, dtype=np.float32)
        self._df = np.zeros(0, dtype=np.int32)
        self._avgdl = 1.0
        self._delta_rows: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._delta_post: dict[int, tuple[list[int], list[float]]] = {}
        self._dead = 0
        # Counts the changes (add, remove): a ranking cached under one revision is the ranking while it holds.
        self.revision = 0

    # ----- building and changing -------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        candidates: Iterable[CandidateDoc],
        guide: CompetenceGuide,
        travel: TravelTimes | None = None,
        *,
        match_type_names: dict[str, str] | None = None,
    ) -> MatchingIndex:
        """An index of `candidates`. The compound splitter learns its vocabulary from the guides and the
        candidates' texts."""
        candidates = list(candidates)
        analyzer = Analyzer.from_texts([*guide.texts(), *(c.text for c in candidates)])
        index = cls(guide, travel, analyzer, match_type_names)
        with index._lock:
            for candidate in candidates:
                index._append(candidate, bulk=True)
            index._bulk_affinity()
            index._rebuild()
        return index

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, candidate_id: Hashable) -> bool:
        return candidate_id in self._rows

    def add(self, candidate: CandidateDoc) -> None:
        """Add a candidate, or replace the one with the same id."""
        with self._lock:
            self.revision += 1
            if candidate.id in self._rows:
                self._remove(candidate.id)
            self._append(candidate)
            if len(self._delta_rows) > max(1024, self._n_main // 20):
                self._rebuild()

    def remove(self, candidate_id: Hashable) -> bool:
        """Remove a candidate at once (e.g. consent withdrawn); False if it was not in the index."""
        with self._lock:
            if candidate_id not in self._rows:
                return False
            self.revision += 1
            self._remove(candidate_id)
            if self._dead > max(1024, self._n // 4):
                self._rebuild()
            return True

    def _grow(self, need: int) -> None:
        if need <= self._cap:
            return
        cap = max(need, 2 * self._cap, 64)
        for name in ("_alive", "_level", "_types", "_muni", "_max_travel", "_willing", "_avail", "_prog", "_dl"):
            old = getattr(self, name)
            new = np.zeros(cap, dtype=old.dtype)
            new[: self._n] = old[: self._n]
            setattr(self, name, new)
        aff = np.zeros((self._aff.shape[0], cap), dtype=np.float32)
        aff[:, : self._n] = self._aff[:, : self._n]
        self._aff = aff
        self._cap = cap

    def _term_id(self, term: str) -> int:
        tid = self._terms.get(term)
        if tid is None:
            tid = self._terms[term] = len(self._terms)
        return tid

    def _programme_of(self, candidate: CandidateDoc) -> tuple[int, str | None]:
        p = self.model.programme_index.get(candidate.programme_slug or "", len(self.model.programmes))
        level = candidate.level
        if level is None and p < len(self.model.programmes):
            level = self.model.programmes[p].level
        return p, level

    def _type_mask(self, types: Iterable[str], register: bool) -> int:
        mask = 0
        for t in types:
            bit = self._type_bits.get(t)
            if bit is None:
                if not register:
                    continue
                if len(self._type_bits) >= 62:
                    raise ValueError("more than 62 match types")
                bit = self._type_bits[t] = len(self._type_bits)
            mask |= 1 << bit
        return mask

    def _bulk_affinity(self) -> None:
        """Task-area affinity of all rows not yet folded in, as one sparse product (used by build)."""
        rows = sorted(self._delta_rows)
        if not rows or not self.model.areas:
            return
        ids = [self._delta_rows[r][0] for r in rows]
        indptr = np.concatenate([[0], np.cumsum([len(i) for i in ids])])
        indices = np.concatenate(ids)
        present = sparse.csr_matrix(
            (np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(len(rows), len(self._terms))
        )
        k_rows, k_cols, k_vals = [], [], []
        for term, vec in self.model.area_terms.items():
            tid = self._terms.get(term)
            if tid is not None:
                for a in np.flatnonzero(vec):
                    k_rows.append(tid)
                    k_cols.append(a)
                    k_vals.append(vec[a])
        weights = sparse.csr_matrix((k_vals, (k_rows, k_cols)), shape=(len(self._terms), len(self.model.areas)))
        scores = np.asarray((present @ weights).todense(), dtype=np.float32)
        self._aff[:, rows] = np.minimum(scores / AREA_SATURATION, 1.0).T

    def _append(self, c: CandidateDoc, bulk: bool = False) -> None:
        row = self._n
        self._grow(row + 1)
        prog, level = self._programme_of(c)
        term_ids: list[int] = []
        for word in tokenize(c.text):
            ids_of_word = self._word_ids.get(word)
            if ids_of_word is None:
                ids_of_word = self._word_ids[word] = tuple(self._term_id(t) for t in self.analyzer.terms_of_word(word))
            term_ids.extend(ids_of_word)
        counts = Counter(term_ids)
        self._alive[row] = True
        self._level[row] = LEVEL_CODE[level]
        self._types[row] = self._type_mask(c.match_types, register=True)
        self._muni[row] = self.travel.index_of(c.home_municipality)
        self._max_travel[row] = np.inf if c.max_travel_minutes is None else c.max_travel_minutes
        self._willing[row] = c.willing_to_move
        self._avail[row] = c.available_from.toordinal() if c.available_from else 0
        self._prog[row] = prog
        self._dl[row] = len(term_ids)
        ids = np.fromiter(counts.keys(), dtype=np.int32, count=len(counts))
        tfs = np.fromiter((min(v, 65535) for v in counts.values()), dtype=np.uint16, count=len(counts))
        self._delta_rows[row] = (ids, tfs)
        if not bulk:  # when building, affinities, document frequencies and postings are made in one go
            self._aff[:, row] = self.model.affinity(self.analyzer.terms(c.text))
            if len(self._df) < len(self._terms):
                self._df = np.concatenate([self._df, np.zeros(len(self._terms) - len(self._df) + 1024, np.int32)])
            np.add.at(self._df, ids, 1)
            avgdl = self._avgdl if self._n_main else max(1.0, float(self._dl[: row + 1].mean()))
            weights = _bm25_tf(tfs, np.full(len(tfs), len(term_ids), np.float32), avgdl)
            for tid, w in zip(ids.tolist(), weights.tolist(), strict=True):
                rows, ws = self._delta_post.setdefault(tid, ([], []))
                rows.append(row)
                ws.append(w)
        self._ids.append(c.id)
        # The reasons need these fields; the text itself is not kept.
        self._docs.append(
            _RowInfo(c.match_types, c.available_from, c.home_municipality, c.max_travel_minutes, c.willing_to_move)
        )
        self._rows[c.id] = row
        self._n += 1

    def _row_terms(self, row: int) -> np.ndarray:
        if row < self._n_main:
            return self._tf.indices[self._tf.indptr[row] : self._tf.indptr[row + 1]]
        return self._delta_rows[row][0]

    def _remove(self, candidate_id: Hashable) -> None:
        row = self._rows.pop(candidate_id)
        self._alive[row] = False
        np.subtract.at(self._df, self._row_terms(row), 1)
        self._ids[row] = None
        self._docs[row] = None
        self._dead += 1

    def _rebuild(self) -> None:
        """Fold added rows into the column-compressed text matrix and drop removed rows (renumbering)."""
        n_terms = len(self._terms)
        keep = np.flatnonzero(self._alive[: self._n])
        main = self._tf
        main.resize((self._n_main, n_terms))
        delta_rows = sorted(self._delta_rows)
        if delta_rows:
            ids = [self._delta_rows[r][0] for r in delta_rows]
            tfs = [self._delta_rows[r][1] for r in delta_rows]
            indptr = np.concatenate([[0], np.cumsum([len(i) for i in ids])])
            delta = sparse.csr_matrix(
                (np.concatenate(tfs), np.concatenate(ids), indptr), shape=(len(delta_rows), n_terms)
            )
            main = sparse.vstack([main, delta], format="csr")
        tf = main[keep].tocsr() if len(keep) != main.shape[0] else main.tocsr()
        tf.sort_indices()
        tf.data = tf.data.astype(np.uint16)
        n = len(keep)
        for name in ("_alive", "_level", "_types", "_muni", "_max_travel", "_willing", "_avail", "_prog", "_dl"):
            arr = getattr(self, name)
            arr[:n] = arr[keep]
            arr[n:] = 0
        self._aff[:, :n] = self._aff[:, keep]
        self._aff[:, n:] = 0
        self._ids = [self._ids[r] for r in keep]
        self._docs = [self._docs[r] for r in keep]
        self._rows = {cid: i for i, cid in enumerate(self._ids)}
        self._n = self._n_main = n
        self._dead = 0
        self._delta_rows = {}
        self._delta_post = {}
        self._tf = tf
        dl = self._dl[:n]
        self._avgdl = float(dl.mean()) if n and dl.sum() else 1.0
        weights = _bm25_tf(tf.data, np.repeat(dl, np.diff(tf.indptr)), self._avgdl)
        csc = sparse.csr_matrix((weights, tf.indices, tf.indptr), shape=tf.shape).tocsc()
        csc.sort_indices()
        self._col_ptr, self._col_rows, self._col_w = csc.indptr.astype(np.int64), csc.indices.astype(np.int32), csc.data
        self._df = np.bincount(tf.indices, minlength=n_terms + 1024).astype(np.int32)

    def memory_bytes(self) -> int:
        """Bytes held in numpy/scipy arrays (not Python objects such as ids and the term dictionary)."""
        arrays = [
            self._alive,
            self._level,
            self._types,
            self._muni,
            self._max_travel,
            self._willing,
            self._avail,
            self._prog,
            self._dl,
            self._aff,
            self._col_ptr,
            self._col_rows,
            self._col_w,
            self._df,
            self._tf.data,
            self._tf.indices,
            self._tf.indptr,
        ]
        return int(sum(a.nbytes for a in arrays))

    # ----- ranking ---------------------------------------------------------------------------------------

    def _query(self, text: str) -> _Query:
        q = self._query_cache.get(text)
        if q is None:
            if len(self._query_cache) > 4096:
                self._query_cache.clear()
            q = self._query_cache[text] = self.model.query(text)
        return q

    def _text_scores(self, terms: dict[str, float], n: int) -> tuple[np.ndarray, list[tuple[str, np.ndarray, set]]]:
        """BM25 of the weighted query terms for every row, and per matched term its rows (for the reasons)."""
        scores = np.zeros(n, dtype=np.float32)
        alive = len(self._rows)
        postings: list[tuple[str, np.ndarray, set]] = []
        for term, weight in terms.items():
            tid = self._terms.get(term)
            if tid is None or self._df[tid] <= 0:
                continue
            idf = np.float32(_idf(alive, float(self._df[tid])) * weight)
            rows = self._col_rows[:0]
            if tid + 1 < len(self._col_ptr):
                a, b = self._col_ptr[tid], self._col_ptr[tid + 1]
                rows = self._col_rows[a:b]
                scores[rows] += self._col_w[a:b] * idf
            post = self._delta_post.get(tid)
            if post:
                scores[np.asarray(post[0], dtype=np.int64)] += np.asarray(post[1], dtype=np.float32) * idf
            postings.append((term, rows, set(post[0]) if post else set()))
        return scores, postings

    def rank_candidates(self, profile: JobProfile, k: int = 20) -> list[Suggestion]:
        """The best `k` candidates for a need or job profile, best first, each with its reasons."""
        with self._lock:
            n = self._n
            if not n or k <= 0:
                return []
            q = self._query(profile.text)
            mask = self._alive[:n].copy()
            if profile.levels:
                allowed = np.zeros(len(LEVEL_CODE), dtype=bool)
                allowed[[LEVEL_CODE[level] for level in profile.levels]] = True
                mask &= allowed[self._level[:n]]
            if profile.match_types:
                bits = self._type_mask(profile.match_types, register=False)
                types = self._types[:n]
                mask &= (types == 0) | ((types & bits) != 0)
            work = self.travel.index_of(profile.municipality)
            if work != self.travel.unknown_index:
                minutes = self.travel.matrix[work][self._muni[:n]]
                mask &= (minutes <= self._max_travel[:n]) | self._willing[:n]
            # score = GUIDE_WEIGHT * guide + TEXT_WEIGHT * text / max text, times timing; in place, float32.
            score = q.programme_fit[self._prog[:n]]
            own = None
            nz = np.flatnonzero(q.areas)
            if nz.size:
                own = self._aff[nz[0], :n] * np.float32(q.areas[nz[0]] * OWN_TEXT_FACTOR)
                for a in nz[1:]:
                    own += self._aff[a, :n] * np.float32(q.areas[a] * OWN_TEXT_FACTOR)
                score += own - score * own  # either may carry the fit: 1 - (1 - programme)(1 - own)
            score *= np.float32(GUIDE_WEIGHT)
            text, postings = self._text_scores(q.term_weights, n)
            text *= mask  # the best text match among the candidates that pass the filters scores TEXT_WEIGHT
            text_max = float(text.max())
            if text_max > 0:
                text *= np.float32(TEXT_WEIGHT / text_max)
                score += text
            if q.level_cues:  # a level named in the text is preferred, never required
                score *= q.level_boost[self._level[:n]]
            if profile.earliest_start is not None:
                # 1 up to LATE_GRACE_DAYS after the start, then falling to LATE_FLOOR (available now = day 0)
                timing = self._avail[:n] - np.float32(profile.earliest_start.toordinal() + LATE_GRACE_DAYS)
                timing *= np.float32(-1 / LATE_SLOPE_DAYS)
                timing += np.float32(1)
                np.clip(timing, LATE_FLOOR, 1.0, out=timing)
                score *= timing
            score *= mask
            # Select among the positive scores only: numpy's introselect is slow on long runs of equal values.
            top = np.flatnonzero(score > 0)
            if top.size > k:
                top = top[np.argpartition(-score[top], k)[:k]]
            top = top[np.lexsort((top, -score[top]))]
            return self._suggestions(q, profile, top, score, own, postings)

    def _suggestions(
        self,
        q: _Query,
        profile: JobProfile,
        rows: np.ndarray,
        score: np.ndarray,
        own: np.ndarray | None,
        postings: list[tuple[str, np.ndarray, set]],
    ) -> list[Suggestion]:
        """The reasons for the chosen rows, worked out for all of them at once."""
        if not rows.size:
            return []
        present: dict[int, set[str]] = {int(r): set() for r in rows}
        for term, term_rows, delta_rows in postings:
            if term_rows.size:
                pos = np.minimum(np.searchsorted(term_rows, rows), term_rows.size - 1)
                for r in rows[term_rows[pos] == rows].tolist():
                    present[r].add(term)
            for r in delta_rows & present.keys():
                present[r].add(term)
        progs = self._prog[rows]
        via_programme = q.programme_fit[progs]
        via_own = own[rows] if own is not None else np.zeros(len(rows), dtype=np.float32)
        own_best = (q.areas[:, None] * self._aff[:, rows]).argmax(axis=0) if own is not None else None
        out = []
        for i, r in enumerate(rows.tolist()):
            c = self._docs[r]
            assert c is not None
            own_area = int(own_best[i]) if own_best is not None else -1
            guide = self._guide_reasons(q, int(progs[i]), float(via_programme[i]), float(via_own[i]), own_area)
            level = LEVEL_NAME.get(int(self._level[r]))
            reasons = self._reasons(guide, _common_words(q, present[r]), profile, c, level, q, int(progs[i]))
            out.append(Suggestion(self._ids[r], round(float(score[r]), 4), reasons))
        return out

    def rank_profiles(self, candidate: CandidateDoc, profiles: Sequence[JobProfile], k: int = 20) -> list[Suggestion]:
        """The best `k` open needs / bourse cases for a candidate, best first, each with its reasons. The
        candidate need not be in the index (only the guides, travel times and text analysis are used)."""
        with self._lock:
            if not profiles or k <= 0:
                return []
            prog, level = self._programme_of(candidate)
            cand_terms = self.analyzer.terms(candidate.text)
            cand_term_set = frozenset(cand_terms)
            affinity = self.model.affinity(cand_terms)
            queries = [self._query(p.text) for p in profiles]
            docs = _StaticBM25([[t for w in q.words for t in w.terms] for q in queries])
            text = docs.score(cand_term_set)
            ok = np.array([self._pair_ok(candidate, level, p) for p in profiles], dtype=bool)
            via_programme = np.array([q.programme_fit[prog] for q in queries], dtype=np.float32)
            via_own = np.array([OWN_TEXT_FACTOR * float(q.areas @ affinity) for q in queries], dtype=np.float32)
            guide = via_programme + via_own - via_programme * via_own
            text_max = float(np.max(text, where=ok, initial=0.0))
            if text_max > 0:
                text /= np.float32(text_max)
            score = GUIDE_WEIGHT * guide + TEXT_WEIGHT * text
            score *= np.array([q.level_boost[LEVEL_CODE[level]] for q in queries], dtype=np.float32)
            score *= np.array([_timing(candidate.available_from, p.earliest_start) for p in profiles])
            score[~ok] = 0
            order = [i for i in np.lexsort((np.arange(len(profiles)), -score)) if score[i] > 0][:k]
            out = []
            for i in order:
                q = queries[i]
                own_area = int(np.argmax(q.areas * affinity))
                guide_reasons = self._guide_reasons(q, prog, float(via_programme[i]), float(via_own[i]), own_area)
                common = _common_words(q, cand_term_set)
                reasons = self._reasons(guide_reasons, common, profiles[i], candidate, level, q, prog)
                out.append(Suggestion(profiles[i].id, round(float(score[i]), 4), reasons))
            return out

    def rank_programmes(self, profile: JobProfile, k: int = 10) -> list[Suggestion]:
        """The programmes of the competence guides that fit a need best (ids are programme slugs): the
        guide signals alone, for translating a company's tasks into programmes and for the benchmark."""
        with self._lock:
            q = self._query(profile.text)
        fit = q.programme_fit[:-1].copy()
        if profile.levels:
            allowed = np.zeros(len(LEVEL_CODE), dtype=bool)
            allowed[[LEVEL_CODE[level] for level in profile.levels]] = True
            fit[~allowed[self.model.level_codes]] = 0
        order = [i for i in np.lexsort((np.arange(len(fit)), -fit)) if fit[i] > 0][:k]
        out = []
        for i in order:
            reasons = [self._programme_reason(q, i)]
            common = _common_words(q, self.model.programme_docs.doc_terms[i])
            if common:
                reasons.append("Fælles ord med kompetenceguiden: " + ", ".join(common))
            reasons.extend(self._vocab_reasons(q, i))
            level_reason = self._level_cue_reason(q, self.model.programmes[i].level)
            if level_reason:
                reasons.append(level_reason)
            out.append(Suggestion(self.model.programmes[i].slug, round(float(fit[i]), 4), reasons))
        return out

    # ----- filters and reasons ---------------------------------------------------------------------------

    def _pair_ok(self, c: CandidateDoc, level: str | None, p: JobProfile) -> bool:
        if p.levels and level not in p.levels:
            return False
        if p.match_types and c.match_types and not (p.match_types & c.match_types):
            return False
        return is_reachable(
            self.travel.minutes(c.home_municipality, p.municipality), c.max_travel_minutes, c.willing_to_move
        )

    def _guide_reasons(self, q: _Query, prog: int, via_programme: float, via_own: float, own_area: int) -> list[str]:
        """How the competence guides connect candidate and need: through the programme, the candidate's own
        competences, or both (one sentence when both lead to the same task area); the stronger first."""
        if via_programme > 0 and via_own > 0 and own_area == int(q.programme_best_area[prog]) >= 0:
            name = self.model.areas[own_area].name_da
            programme = self.model.programmes[prog].name_da
            return [f"Matcher opgaveområdet '{name}' via uddannelsen {programme} og kandidatens egne kompetencer"]
        reasons = []
        if via_programme > 0:
            reasons.append((via_programme, self._programme_reason(q, prog)))
        if via_own > 0:
            reasons.append((via_own, self._area_reason(own_area, None)))
        return [text for _, text in sorted(reasons, key=lambda r: -r[0])]

    def _programme_reason(self, q: _Query, prog: int) -> str:
        programme = self.model.programmes[prog]
        area = int(q.programme_best_area[prog])
        if area >= 0:
            return self._area_reason(area, programme.name_da)
        return f"Kompetenceguiden for uddannelsen {programme.name_da} nævner lignende opgaver"

    def _area_reason(self, area: int, programme_name: str | None) -> str:
        name = self.model.areas[area].name_da
        if programme_name:
            return f"Matcher opgaveområdet '{name}' via uddannelsen {programme_name}"
        return f"Matcher opgaveområdet '{name}' via kandidatens egne kompetencer"

    def _vocab_reasons(self, q: _Query, prog: int) -> list[str]:
        """The vocabulary hits that lead to a programme (through one of its task areas, or by name):
        "Ordliste: 'Power BI' → Data og analyse". Worked out once per programme and query."""
        cached = q.vocab_reason_cache.get(prog)
        if cached is not None:
            return cached
        out: list[str] = []
        known = prog < len(self.model.programmes)
        weights = self.model.weights[prog] if known else None
        for hit in q.vocab_hits:
            targets = []
            if known and self.model.vocab_programmes[hit.entry, prog] > 0:
                targets.append(f"uddannelsen {self.model.programmes[prog].name_da}")
            for a in self.model.vocab_area_order[hit.entry]:
                if weights is None or weights[a] > 0:
                    targets.append(self.model.areas[a].name_da)
            if targets:
                text = f"Ordliste: '{hit.surface}' → {', '.join(dict.fromkeys(targets))}"
                if text not in out:
                    out.append(text)
            if len(out) >= MAX_VOCAB_REASONS:
                break
        q.vocab_reason_cache[prog] = out
        return out

    def _level_cue_reason(self, q: _Query, level: str | None) -> str | None:
        if not q.level_cues:
            return None
        named = ", ".join(f"'{cue}' → {lvl}" for lvl, cue in q.level_cues.items())
        if level in q.level_cues:
            return f"Niveau nævnt i teksten: {named} (foretrækkes, ikke et krav); {level} passer"
        return f"Niveau nævnt i teksten: {named} (foretrækkes, ikke et krav)"

    def _reasons(
        self,
        guide: list[str],
        common: list[str],
        p: JobProfile,
        c: CandidateDoc | _RowInfo,
        level: str | None,
        q: _Query | None = None,
        prog: int | None = None,
    ) -> list[str]:
        reasons = list(guide)
        if common:
            reasons.append("Fælles ord: " + ", ".join(common))
        if q is not None and prog is not None:
            reasons.extend(self._vocab_reasons(q, prog))
        cue = self._level_cue_reason(q, level) if q is not None else None
        if cue:
            reasons.append(cue)
        if not p.levels:
            reasons.append("Niveau: virksomheden har ikke udelukket nogen niveauer")
        elif len(p.levels) == 1:
            reasons.append(f"Niveau: {level} som ønsket")
        else:
            reasons.append(f"Niveau: {level} er blandt de ønskede niveauer ({', '.join(sorted(p.levels))})")
        if p.match_types:
            if c.match_types:
                shared = sorted(self.match_type_names.get(t, t) for t in p.match_types & c.match_types)
                reasons.append("Matchtype: " + ", ".join(shared))
            else:
                reasons.append("Matchtype: kandidaten er åben for alle typer")
        timing = _timing_reason(c.available_from, p.earliest_start)
        if timing:
            reasons.append(timing)
        reasons.append(self._travel_reason(c, p))
        return reasons

    def _travel_reason(self, c: CandidateDoc | _RowInfo, p: JobProfile) -> str:
        if p.municipality is None:
            return "Rejsetid ukendt: arbejdsstedets kommune er ikke oplyst"
        if c.home_municipality is None:
            return "Rejsetid ukendt: kandidatens bopælskommune er ikke oplyst"
        minutes = self.travel.minutes(c.home_municipality, p.municipality)
        if minutes is None:
            home, work = self.travel.name(c.home_municipality), self.travel.name(p.municipality)
            return f"Rejsetid ukendt mellem {home} og {work}"
        if minutes == 0:
            return f"Bor i samme kommune som arbejdsstedet ({self.travel.name(p.municipality)})"
        m = round(minutes)
        if c.max_travel_minutes is None:
            return f"Rejsetid ca. {m} min (kandidaten har ingen grænse for rejsetid)"
        if minutes <= c.max_travel_minutes:
            return f"Rejsetid ca. {m} min (inden for kandidatens {c.max_travel_minutes} min)"
        return f"Rejsetid ca. {m} min, men kandidaten vil gerne flytte"


def _is_single_word(surface: str) -> bool:
    """A vocabulary hit on one word of the text (already in the term → area weights) rather than a phrase."""
    return len(_RAW_WORD.findall(normalise(surface))) < 2


def _common_words(q: _Query, terms: frozenset[str] | set[str]) -> list[str]:
    out: list[str] = []
    for w in q.words:
        if w.surface not in out and any(t in terms for t in w.terms):
            out.append(w.surface)
            if len(out) >= MAX_COMMON_WORDS:
                break
    return out


def _timing(available_from: dt.date | None, earliest_start: dt.date | None) -> float:
    if available_from is None or earliest_start is None:
        return 1.0
    delay = (available_from - earliest_start).days
    if delay <= LATE_GRACE_DAYS:
        return 1.0
    return max(LATE_FLOOR, 1 - (delay - LATE_GRACE_DAYS) / LATE_SLOPE_DAYS)


def _timing_reason(available_from: dt.date | None, earliest_start: dt.date | None) -> str | None:
    if earliest_start is None:
        return f"Kan starte {format_date_da(available_from)}" if available_from else None
    if available_from is None:
        return "Kan starte med det samme"
    if available_from <= earliest_start:
        return f"Kan starte {format_date_da(earliest_start)} som ønsket"
    if (available_from - earliest_start).days <= LATE_GRACE_DAYS:
        return f"Kan starte {format_date_da(available_from)}"
    return f"Kan først starte {format_date_da(available_from)}, mere end 3 måneder efter ønsket start"


def rank_profiles(
    candidate: CandidateDoc,
    profiles: Sequence[JobProfile],
    *,
    guide: CompetenceGuide,
    travel: TravelTimes | None = None,
    k: int = 20,
) -> list[Suggestion]:
    """`MatchingIndex.rank_profiles` without an index of candidates (builds the guide model each call)."""
    index = MatchingIndex.build([], guide, travel)
    return index.rank_profiles(candidate, profiles, k)
