"""Danish text analysis for matching: normalisation, stop words, compound splitting and stemming.

    analyzer = Analyzer.from_texts(texts)          # vocabulary for the compound splitter
    analyzer.words("Udvikling af markedsføringsplan")
    # [Word(surface='udvikling', terms=('udvikl',)),
    #  Word(surface='markedsføringsplan', terms=('markedsføringsplan', 'markedsføring', 'plan'))]

Each word becomes its Snowball (PyStemmer "danish") stem; a compound that splits into known words adds the
stems of its parts, so "markedsføring" in a company's text meets "markedsføringsplan" in a profile.
Splitting is dictionary based (Koehn & Knight 2003): a word is cut into parts that each occur as words of
their own in the vocabulary (guide texts and profiles), with an optional linking -s- or -e- between parts
("markedsføring|s|plan", "salg|s|møde"), and the split is used only when its parts are, by the geometric
mean of their frequencies, more common than the whole word. A word not in the vocabulary may also be cut
before a known head of at least five letters ("standard|kontrakter", "fil|server"), the head being what a
Danish compound is about.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import Stemmer

STOP_WORDS_FILE = Path(__file__).resolve().parents[2] / "data" / "reference" / "education" / "stopwords_da.txt"


def load_stop_words(path: Path = STOP_WORDS_FILE) -> frozenset[str]:
    """The words of a stop-word file (whitespace separated, `#` starts a comment line)."""
    words: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.lstrip().startswith("#"):
            words.update(w.lower() for w in line.split())
    return frozenset(words)


# stopwords-iso's Danish list (numerals such as "to" = two included) plus the function words of needs and job
# ads ("søger", "undersøge", "mangler", ...); see the file's header for the sources.
STOP_WORDS = load_stop_words()

# English loan words common in Danish job texts, mapped to the Danish word the guides use. The English
# word is kept as well (both are indexed).
SYNONYMS: Mapping[str, str] = {
    "marketing": "markedsføring",
    "sales": "salg",
    "developer": "udvikler",
    "development": "udvikling",
    "accounting": "regnskab",
    "recruitment": "rekruttering",
    "some": "sociale",
    "economy": "økonomi",
    "logistics": "logistik",
}

# Characters outside Danish letters folded to the nearest Danish spelling.
_FOLD = str.maketrans(
    {
        "é": "e",
        "è": "e",
        "ê": "e",
        "ë": "e",
        "á": "a",
        "à": "a",
        "â": "a",
        "ä": "æ",
        "ö": "ø",
        "ü": "y",
        "ó": "o",
        "ò": "o",
        "í": "i",
        "ñ": "n",
        "ç": "c",
    }
)
_NEEDS_FOLD = re.compile("[éèêëáàâäöüóòíñç]")  # str.translate is slow on non-ASCII text: only when needed
_SPECIAL = [
    (re.compile(r"c\+\+"), " cplusplus "),
    (re.compile(r"c#"), " csharp "),
    (re.compile(r"(?<![a-z0-9])\.net\b"), " dotnet "),
]
# Standards and frameworks are named by a word and a number ("ISO 9001", "scope 3", "NIS 2"); numbers alone are
# dropped, so the two are joined into one word ("iso9001") first.
_STANDARD = re.compile(r"\b(iso|iec|en|ds|nis|scope|fssc|brc|ifs|gs1)[ -]?(\d{1,5})\b")
# What every match of _STANDARD holds: searched first, since this pattern's literal prefixes let the regex
# engine skip ahead (the sub, starting at every word boundary, cost more than the rest of `normalise`).
_STANDARD_HINT = re.compile(r"(?:iso|iec|en|ds|nis|scope|fssc|brc|ifs|gs1)[ -]?\d")
_TOKEN = re.compile(r"[0-9a-zæøå]+")
_DIGIT = re.compile(r"\d")
MIN_PART = 3  # shortest compound part ("løn", "web", "salg")
MIN_SPLIT = 7  # shortest word that is tried as a compound
MIN_HEAD = 5  # shortest known head after an unknown first part ("standard|kontrakter", "fil|server")
MAX_PARTS = 4
LINKERS = ("s", "e")
MAX_CACHED_WORDS = 500_000
MIN_SPECIFIC_PART = 6  # a compound's non-final part this long may name a vocabulary entry ("vindmølle")
PART_SHARE = 0.6  # the compound parts of a query word together weigh this much (the whole word 1)


def normalise(text: str) -> str:
    """Lower-case, Unicode-normalised text with foreign accents folded to Danish letters."""
    text = unicodedata.normalize("NFC", text).lower()
    if _NEEDS_FOLD.search(text):
        text = text.translate(_FOLD)
    if "#" in text or "+" in text or ".net" in text:
        for pattern, replacement in _SPECIAL:
            text = pattern.sub(replacement, text)
    if _DIGIT.search(text) and _STANDARD_HINT.search(text):
        text = _STANDARD.sub(r"\1\2", text)
    return text


def tokenize(text: str) -> list[str]:
    """Words of a text: normalised, split on anything but letters and digits, no stop words, no numbers,
    no one-letter words. "IT-support" gives "it", "support"."""
    return [t for t in _TOKEN.findall(normalise(text)) if len(t) > 1 and t not in STOP_WORDS and not t.isdigit()]


def raw_tokens(text: str) -> list[str]:
    """Every run of letters and digits of the normalised text: `tokenize` without its filter, for callers that
    check each distinct token once (`is_word`) rather than every occurrence."""
    return _TOKEN.findall(normalise(text))


def is_word(token: str) -> bool:
    """Whether `tokenize` keeps a raw token: not a stop word, a number or a single letter (its filter)."""
    return len(token) > 1 and token not in STOP_WORDS and not token.isdigit()


class _Stem:
    """PyStemmer objects are not safe to share between threads: one per thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    def __call__(self, word: str) -> str:
        stemmer = getattr(self._local, "stemmer", None)
        if stemmer is None:
            stemmer = self._local.stemmer = Stemmer.Stemmer("danish")
        return stemmer.stemWord(word)


stem = _Stem()


class CompoundSplitter:
    """Splits Danish compounds into words of a vocabulary (surface word -> frequency)."""

    def __init__(self, counts: Mapping[str, int]):
        self.counts = {w: c for w, c in counts.items() if len(w) >= MIN_PART and w not in STOP_WORDS}
        stem_counts: Counter[str] = Counter()
        for word, count in self.counts.items():
            stem_counts[stem(word)] += count
        self.stem_counts = stem_counts

    def _freq(self, part: str, final: bool) -> int:
        count = self.counts.get(part, 0)
        if final and not count:  # the head may be inflected: "udviklingen", "planer"
            count = self.stem_counts.get(stem(part), 0)
        return count

    def _splits(self, word: str, start: int, memo: dict[int, list[list[str]]]) -> list[list[str]]:
        if start in memo:
            return memo[start]
        found: list[list[str]] = []
        for end in range(start + MIN_PART, len(word) + 1):
            part = word[start:end]
            if end == len(word):
                if start > 0 and self._freq(part, final=True):
                    found.append([part])
                continue
            if not self.counts.get(part) and not (start == 0 and self._known_head(word, end)):
                continue
            nexts = [end]
            if word[end] in LINKERS:
                nexts.append(end + 1)
            for nxt in nexts:
                if len(word) - nxt < MIN_PART:
                    continue
                for rest in self._splits(word, nxt, memo):
                    if len(rest) < MAX_PARTS:
                        found.append([part, *rest])
        memo[start] = found
        return found

    def _known_head(self, word: str, end: int) -> bool:
        """An unknown first part is allowed only before a known, long final part (with or without a linker):
        the head carries the meaning of a Danish compound."""
        for start in (end, end + 1) if word[end] in LINKERS else (end,):
            head = word[start:]
            if len(head) >= MIN_HEAD and self._freq(head, final=True):
                return True
        return False

    def split(self, word: str) -> list[str]:
        """The parts of `word` (surface forms, linking letters dropped), or [word] when it is not split."""
        if len(word) < MIN_SPLIT:
            return [word]
        best, best_score = [word], float(self._freq(word, final=True))
        for parts in self._splits(word, 0, {}):
            # An unknown first part counts as seen once: such a split wins only over an unknown word.
            freqs = [max(1, self._freq(p, final=(i == len(parts) - 1))) for i, p in enumerate(parts)]
            score = math.exp(sum(math.log(f) for f in freqs) / len(freqs))
            # More common parts win; equally common: fewer parts.
            if score > best_score or (score == best_score and len(best) > 1 and len(parts) < len(best)):
                best, best_score = parts, score
        return best


@dataclass(frozen=True, slots=True)
class Word:
    surface: str
    terms: tuple[str, ...]  # the stem of the word, then the stems of its compound parts


class Analyzer:
    """Turns Danish text into index terms; caches the analysis of each distinct word."""

    def __init__(self, vocabulary: Mapping[str, int] | None = None):
        self.splitter = CompoundSplitter(vocabulary or {})
        self._cache: dict[str, tuple[str, ...]] = {}
        self._weighted: dict[str, tuple[tuple[str, float], ...]] = {}
        self._heads: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Analyzer:
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(tokenize(text))
        return cls(counts)

    def terms_of_word(self, word: str) -> tuple[str, ...]:
        terms = self._cache.get(word)
        if terms is None:
            with self._lock:
                parts = self.splitter.split(word)
                stems = [stem(word)]
                if len(parts) > 1:
                    stems.extend(stem(p) for p in parts)
                synonym = SYNONYMS.get(word)
                if synonym and synonym != word:
                    stems.append(stem(synonym))
                terms = tuple(dict.fromkeys(stems))
                if len(self._cache) >= MAX_CACHED_WORDS:  # queries may bring any word: keep the cache bounded
                    self._cache.clear()
                self._cache[word] = terms
        return terms

    def words(self, text: str) -> list[Word]:
        return [Word(w, self.terms_of_word(w)) for w in tokenize(text)]

    def vocabulary_parts_of_word(self, word: str) -> tuple[str, ...]:
        """The stems of a compound's parts that may name something on their own: the head (the last part,
        what the compound is: "lager|chef") and any other part of MIN_SPECIFIC_PART letters or more
        ("vindmølle|service"); () for a word that is not split."""
        parts = self._heads.get(word)
        if parts is None:
            split = self.splitter.split(word)
            parts = ()
            if len(split) > 1:
                chosen = [p for p in split[:-1] if len(p) >= MIN_SPECIFIC_PART] + [split[-1]]
                parts = tuple(dict.fromkeys(stem(p) for p in chosen))
            if len(self._heads) >= MAX_CACHED_WORDS:
                self._heads.clear()
            self._heads[word] = parts
        return parts

    def weighted_terms_of_word(self, word: str) -> tuple[tuple[str, float], ...]:
        """The terms of a word with their weight in a query: the word itself (and an English loan word's
        Danish word) 1, its compound parts together PART_SHARE, split evenly, so that no short, common part
        of a compound ("anlæg" in "solcelleanlæg") counts like the word it is part of."""
        out = self._weighted.get(word)
        if out is None:
            terms = self.terms_of_word(word)
            parts = self.splitter.split(word)
            part_stems = {stem(p) for p in parts} if len(parts) > 1 else set()
            synonym = SYNONYMS.get(word)
            synonym_stem = stem(synonym) if synonym else None
            weights: dict[str, float] = {}
            for i, term in enumerate(terms):
                if i == 0 or term == synonym_stem or term not in part_stems:
                    w = 1.0
                else:
                    w = PART_SHARE / len(parts)
                weights[term] = max(weights.get(term, 0.0), w)
            out = tuple(weights.items())
            if len(self._weighted) >= MAX_CACHED_WORDS:
                self._weighted.clear()
            self._weighted[word] = out
        return out

    def terms(self, text: str) -> list[str]:
        """All index terms of a text, in order, with repeats (for term frequencies)."""
        out: list[str] = []
        for w in tokenize(text):
            out.extend(self.terms_of_word(w))
        return out

    def stems(self, text: str) -> list[str]:
        """Stems only, no compound parts (what a plain stemming baseline sees)."""
        return [stem(w) for w in tokenize(text)]


# ----- derivations ---------------------------------------------------------------------------------------

# Danish derivational endings, longest first, stripped from a Snowball stem to meet a verb and its noun
# ("automatis|ere" → automatis, "automatisering" → automatis), an agent noun and its trade ("programmør",
# "programmering" → program) or adjective ("juridisk", "jurist" → jur).
_DERIVATION_ENDINGS = ("ering", "ation", "ister", "else", "ning", "eri", "ing", "ist", "isk", "ør", "er", "or")
MIN_ROOT = 4


def _single_final(term: str) -> str:
    if len(term) > MIN_ROOT and term[-1] == term[-2] and term[-1] not in "aeiouyæøå":
        return term[:-1]
    return term


def derivation_roots(term: str) -> frozenset[str]:
    """Coarse roots of a stem: the stem and the stem with one derivational ending off (a doubled last consonant
    made single). Two words derive from each other when their roots meet ("markedsfør|e" and
    "markedsfør|ing" meet in "markedsfør")."""
    roots = {_single_final(term)}
    for ending in _DERIVATION_ENDINGS:
        if term.endswith(ending) and len(term) - len(ending) >= MIN_ROOT:
            roots.add(_single_final(term[: -len(ending)]))
            break
    return frozenset(roots)


# ----- what a long text asks for -------------------------------------------------------------------------

# Phrases that state the request in a company's text ("vi mangler", "vi søger en der kan", "opgaven er", "har
# brug for", "hjælp til", ...). In a text of several sentences, the sentences with one of them weigh 1 and the
# others (the company describing itself, its customers, a trade fair) CONTEXT_WEIGHT.
_REQUEST = re.compile(
    r"\b(?:mangler|søger|søges|efterlyser|leder efter|savner|har brug for|skal bruge|har behov|behov for|"
    r"behovet|ønsker|ønsket|vil gerne have|vil have|gerne have|hjælp til|hjælpe (?:os )?med|hjælpe til|"
    r"opgaven|opgaverne|opgave|projektet går ud på|konkret|en,? der kan|nogen,? der kan|skal have|"
    r"skal kunne|skal (?:du|han|hun)|ville kunne|"
    # wishes and problems stated as such ("vi vil gerne blive bedre til", "vores udfordring er", "vi har svært
    # ved", "vi har salgstal, men intet overblik")
    r"vil gerne|kunne godt tænke|tænke os|overvejer|drømmer om|kunne bruge|interesseret i|"
    r"udfordring\w*|problem\w*|svært ved|kæmper med|vi ved ikke|men (?:\w+ )?(?:intet|ingen|ikke|aldrig))\b"
)
_SENTENCE = re.compile(r"(?<=[.!?:;])\s+|\n+")
CONTEXT_WEIGHT = 0.35


def request_sentences(text: str) -> list[tuple[str, float]]:
    """The sentences of a text with their weight: all 1 when the text is one sentence or states no request
    in so many words; otherwise the request sentences 1 and the rest CONTEXT_WEIGHT."""
    sentences = [s for s in _SENTENCE.split(text) if s.strip()]
    if len(sentences) < 2:
        return [(text, 1.0)]
    asks = [bool(_REQUEST.search(normalise(s))) for s in sentences]
    if not any(asks) or all(asks):
        return [(s, 1.0) for s in sentences]
    return [(s, 1.0 if a else CONTEXT_WEIGHT) for s, a in zip(sentences, asks, strict=True)]


# ----- level cues ----------------------------------------------------------------------------------------

# Words in a need that name a level of education (KVU/MVU/LVU as in data/reference/education_levels.csv).
# A cue is a preference (a boost in the ranking), never a filter. "kandidat" alone is not a cue ("den rette
# kandidat" is any candidate), nor is "speciale" alone ("vi har speciale i ..."): only the compounds and
# phrases of a thesis or a degree. An internship ("praktikant") is part of the KVU and MVU programmes.
LEVEL_CUES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"\bcivil(?:ingeniør|økonom)\w*"), ("LVU",)),
    (re.compile(r"\bcand\.\s?[a-zæøå]+|\bkandidat(?:studerende|uddanne\w*|grad\w*|niveau\w*|speciale\w*)"), ("LVU",)),
    (re.compile(r"\bspeciale(?:studerende|projekt\w*|samarbejde\w*|skriver\w*|forløb\w*)|\bspeciale om\b|"
                r"\bskrive (?:et |sit |jeres |dit )?speciale\b|\bph\.?d\b\w*|\buniversitetsuddanne\w*|"
                r"\bakademiker\w*"), ("LVU",)),
    (re.compile(r"\bprofessionsbachelor\w*|\bdiplomingeniør\w*|\bpba\b|\bbachelor(?:studerende|projekt\w*|"
                r"uddanne\w*|niveau)?\b"), ("MVU",)),
    (re.compile(r"\berhvervsakademi\w*|\bak-uddanne\w*|\bkort videregående\w*"), ("KVU",)),
    (re.compile(r"\bpraktikant\w*|\bpraktikforløb\w*|\bpraktikplads\w*"), ("KVU", "MVU")),
)


def level_cues(text: str) -> dict[str, str]:
    """Level → the first word of the text that names it, e.g. {"LVU": "civilingeniør"}."""
    found: dict[str, str] = {}
    norm = normalise(text)
    for pattern, levels in LEVEL_CUES:
        m = pattern.search(norm)
        if m and (len(levels) == 1 or not found):  # an internship says less than a named degree
            for level in levels:
                found.setdefault(level, m.group(0))
    return found
