"""Danish full-text search with facets over published cases — the same on SQLite and PostgreSQL.

The index is one row per published case (table CaseIndex), written when a case is published or changed and
removed when it leaves publication (only published cases are ever in it), holding

- its terms: the Danish Snowball stems of the case's words (viaviden.matching.text) plus the stems of
  compound parts ("markedsføringsøkonom" → markedsføringsøkonom, markedsføring, økonom), each with a weight
  by where the word stands (title > summary and categories > body);
- its facet values: one per category value (municipality 787, level KVU, …).

A query word matches a case when the case has the word's stem (so every inflection meets: "markedsførings-
økonomer" finds "markedsføringsøkonom"), its English-loan synonym, or — for a compound query word — all of
its parts ("markedsføringsplan" finds a text about "plan for markedsføring"). All words must match (AND).
A word whose stem is not in the index vocabulary is also matched with the vocabulary terms closest to it
(optimal string alignment distance 1 for stems of 4–7 letters, 2 from 8 letters; rapidfuzz), so typos
still find something: "markedsførng" finds "markedsføring".

Queries are evaluated on an in-memory snapshot of the index tables (viaviden/cases/engine.py), held per
process and rebuilt when the index generation (a counter bumped by every index write, table SearchState)
changes — one small query per search tells. Facets: counts for every category, computed for the current
result set; a facet that has selected values is counted without its own filter (so the other values of
that facet show how many cases choosing them would add). Values within a facet are OR-ed, facets AND-ed.

Compound splitting uses a fixed vocabulary — the competence guides' texts (data/reference/education/)
and a short list of common words in case texts — so that indexing a case never depends on other cases.
After changing that vocabulary, run `python manage.py cases_reindex`.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from rapidfuzz import process
from rapidfuzz.distance import OSA
from scipy import sparse

from viaviden.candidates.models import StudyProgramme, TaskArea
from viaviden.core.models import localized
from viaviden.matching.guides import CompetenceGuide
from viaviden.matching.text import SYNONYMS, Analyzer, is_word, raw_tokens, stem, tokenize
from viaviden.organisations.models import Organisation
from viaviden.reference.models import EducationLevel, Industry, MatchType, Municipality, SizeClass

from . import engine
from .models import Case, CaseImage, CaseIndex, CasePerson, SearchState, Tag
from .richtext import plain_text

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_VALUES_PER_FACET = 30
MAX_QUERY_WORDS = 12
TERM_LENGTH = 64
REINDEX_BATCH = 1000  # cases read, analysed and written at a time by the full rebuild

# Weights by where a word stands; a compound part counts half.
WEIGHT_TITLE = 10
WEIGHT_LEAD = 6  # summary, categories, tags, company name
WEIGHT_BODY = 2

# Typo tolerance: the largest edit distance for a stem of at least this many letters.
TYPO_DISTANCES = ((8, 2), (4, 1))
TYPO_ALTERNATIVES = 3


@dataclass(frozen=True)
class FacetDef:
    key: str
    label: object  # lazy translation


# Every category of SPEC 3.6, in the order the list page shows them.
FACETS: tuple[FacetDef, ...] = (
    FacetDef("kind", _("Casetype")),
    FacetDef("audience", _("Målgruppe")),
    FacetDef("municipality", _("Kommune")),
    FacetDef("industry", _("Branche")),
    FacetDef("size", _("Virksomhedsstørrelse")),
    FacetDef("match_type", _("Samarbejdsform")),
    FacetDef("level", _("Uddannelsesniveau")),
    FacetDef("programme", _("Uddannelse")),
    FacetDef("task_area", _("Opgaver")),
    FacetDef("benefit", _("Udbytte")),
    FacetDef("partner", _("Partner")),
    FacetDef("tag", _("Tags")),
)
FACET_KEYS = tuple(f.key for f in FACETS)

# Common words of case texts that the guides lack, so compounds built from them split
# ("markedsføringsøkonom" → markedsføring + økonom, "praktikplads" → praktik + plads).
EXTRA_WORDS = """
    økonom økonomer ingeniør konsulent assistent medarbejder udvikler leder chef tekniker teknolog specialist
    koordinator studerende student dimittend kandidat bachelor praktik praktikant plads job studie studiejob
    projekt opgave plan strategi kampagne analyse data salg eksport import marked kunde kunder service
    produktion virksomhed firma butik shop web hjemmeside energi grøn omstilling bæredygtighed klima
    ansættelse ansat rekruttering løn tilskud vækst pilot udvikling innovation produkt produkter design
    kommunikation presse nyhedsbrev sociale medier video film foto billede tekst regnskab bogføring budget
    logistik lager indkøb transport turisme hotel restaurant landbrug fiskeri havn maskine maskiner
    software hardware netværk server sikkerhed support drift kvalitet proces processer automatisering
    robot robotter elektronik byggeri bygning arkitekt jura ret kontrakt personale ledelse organisation
    sundhed pleje omsorg undervisning skole læring event arrangement messe børs samarbejde partner region
""".split()
EXTRA_WORD_COUNT = 3

# Facets shown in their natural order rather than by count.
FIXED_ORDER: Mapping[str, tuple[str, ...]] = {
    "level": ("KVU", "MVU", "LVU"),
    "size": ("micro", "small", "medium", "large"),
}

CHOICE_FACETS: Mapping[str, type] = {
    "kind": Case.Kind,
    "benefit": Case.Benefit,
    "audience": Case.Audience,
}


# --- The analyzer (compound vocabulary) -----------------------------------------------------------------

_analyzer: Analyzer | None = None
_analyzer_lock = threading.Lock()


def analyzer() -> Analyzer:
    """The Danish analyzer with the fixed compound vocabulary (built once per process)."""
    global _analyzer
    if _analyzer is None:
        with _analyzer_lock:
            if _analyzer is None:
                counts: Counter[str] = Counter()
                for text in CompetenceGuide.from_directory().texts():
                    counts.update(tokenize(text))
                for word in EXTRA_WORDS:
                    counts[word] += EXTRA_WORD_COUNT
                _analyzer = Analyzer(counts)
    return _analyzer


# --- Indexing ----------------------------------------------------------------------------------------


def _index_queryset() -> QuerySet[Case]:
    return Case.objects.select_related(
        "municipality", "industry", "size_class", "match_type", "company"
    ).prefetch_related(
        "education_levels", "programmes", "task_areas", "tags", "persons",
        Prefetch("partners", queryset=_partner_orgs()),
    )


def _partner_orgs():
    return Organisation.objects.select_related("parent__parent__parent")


def partner_slug(org) -> str:
    """Cases count for the partner (a municipality's jobcentre and business office are the municipality)."""
    return org.partner.slug


def _partner_of(org) -> tuple[str, str]:
    partner = org.partner
    return partner.slug, partner.name


@dataclass
class IndexSource:
    """What a case's index entry is made from, as plain values: read from a case with its relations
    (`source_of`), or for many cases at once with a few flat queries (`sources_for`, the full rebuild)."""

    pk: int
    title: str
    summary: str
    body: str
    video_transcript: str
    company_name: str  # as shown
    education_text: str
    benefit_text: str
    kind: str
    audiences: list[str]
    benefits: list[str]
    municipality: tuple[str, str] | None  # (code, name)
    industry: tuple[str, str] | None  # (code, Danish name)
    size_class_id: str | None
    match_type: tuple[str, str] | None  # (code, Danish name)
    levels: list[str] = field(default_factory=list)  # education level codes
    programmes: list[tuple[str, str, str]] = field(default_factory=list)  # (slug, Danish name, level code)
    task_areas: list[tuple[str, str]] = field(default_factory=list)  # (slug, Danish name)
    tags: list[tuple[str, str]] = field(default_factory=list)  # (slug, name)
    partners: list[tuple[str, str]] = field(default_factory=list)  # (slug, name) of the partner (`partner_slug`)
    roles: list[str] = field(default_factory=list)  # the persons' roles


def source_of(case: Case) -> IndexSource:
    return IndexSource(
        pk=case.pk, title=case.title, summary=case.summary, body=case.body, video_transcript=case.video_transcript,
        company_name=case.shown_company_name, education_text=case.education_text, benefit_text=case.benefit_text,
        kind=case.kind, audiences=list(case.audiences), benefits=list(case.benefits),
        municipality=(case.municipality_id, case.municipality.name) if case.municipality_id else None,
        industry=(case.industry_id, case.industry.name_da) if case.industry_id else None,
        size_class_id=case.size_class_id,
        match_type=(case.match_type_id, case.match_type.name_da) if case.match_type_id else None,
        levels=[lv.code for lv in case.education_levels.all()],
        programmes=[(p.slug, p.name_da, p.level_id) for p in case.programmes.all()],
        task_areas=[(a.slug, a.name_da) for a in case.task_areas.all()],
        tags=[(t.slug, t.name) for t in case.tags.all()],
        partners=[_partner_of(o) for o in case.partners.all()],
        roles=[p.role for p in case.persons.all()],
    )


def _ids_filter(field_name: str, ids: list[int]) -> dict:
    """A filter on these ids: a range when they are dense (the full rebuild's batches: a few hundred
    parameters in an IN list cost more to build than the rows they select), else IN."""
    low, high = min(ids), max(ids)
    if high - low < 2 * len(ids):
        return {f"{field_name}__gte": low, f"{field_name}__lte": high}
    return {f"{field_name}__in": ids}


def partners_by_id() -> dict[int, tuple[str, str]]:
    """Every organisation's partner (slug, name), by the organisation's id."""
    return {o.pk: _partner_of(o) for o in _partner_orgs()}


def sources_for(ids: list[int], partners: Mapping[int, tuple[str, str]] | None = None) -> list[IndexSource]:
    """The index sources of these cases in id order: one query for the cases and one per relation, no model
    instances (building those cost more than the rest of a full rebuild). `partners`: `partners_by_id()`
    (read here when not given)."""
    if not ids:
        return []
    wanted = set(ids)
    rows = (Case.objects.filter(**_ids_filter("pk", ids)).order_by("pk").values_list(
        "pk", "title", "summary", "body", "video_transcript", "company_name", "company__name", "education_text",
        "benefit_text", "kind", "audiences", "benefits", "municipality_id", "municipality__name", "industry_id",
        "industry__name_da", "size_class_id", "match_type_id", "match_type__name_da"))
    sources: dict[int, IndexSource] = {}
    for (pk, title, summary, body, transcript, company_name, company, education_text, benefit_text, kind,
         audiences, benefits, municipality, municipality_name, industry, industry_name, size_class,
         match_type, match_type_name) in rows:
        if pk not in wanted:
            continue
        sources[pk] = IndexSource(
            pk=pk, title=title, summary=summary, body=body, video_transcript=transcript,
            company_name=company_name or company or "", education_text=education_text, benefit_text=benefit_text,
            kind=kind, audiences=list(audiences or []), benefits=list(benefits or []),
            municipality=(municipality, municipality_name) if municipality else None,
            industry=(industry, industry_name) if industry else None, size_class_id=size_class,
            match_type=(match_type, match_type_name) if match_type else None)

    def related(name: str, *columns: str):
        through_field = Case._meta.get_field(name)
        through = through_field.remote_field.through
        own, other = through_field.m2m_field_name(), through_field.m2m_reverse_field_name()
        rows = (through.objects.filter(**_ids_filter(f"{own}_id", ids)).order_by()
                .values_list(f"{own}_id", *(f"{other}__{c}" if c != "id" else f"{other}_id" for c in columns)))
        return ((sources[row[0]], *row[1:]) for row in rows if row[0] in sources)

    for src, code in related("education_levels", "id"):
        src.levels.append(code)
    for src, slug, name, level in related("programmes", "slug", "name_da", "level_id"):
        src.programmes.append((slug, name, level))
    for src, slug, name in related("task_areas", "slug", "name_da"):
        src.task_areas.append((slug, name))
    for src, slug, name in related("tags", "slug", "name"):
        src.tags.append((slug, name))
    if partners is None:
        partners = partners_by_id()
    for src, org in related("partners", "id"):
        src.partners.append(partners[org])
    for pk, role in (CasePerson.objects.filter(**_ids_filter("case_id", ids)).order_by()
                     .values_list("case_id", "role")):
        if pk in sources:
            sources[pk].roles.append(role)
    return list(sources.values())


def case_texts(case: Case | IndexSource, benefit_labels: Mapping[str, str] | None = None) -> list[tuple[str, int]]:
    """The case's texts with their weights (what the index is built from). `benefit_labels`: those of the
    active language (`_benefit_labels()`, looked up here when not given)."""
    src = case if isinstance(case, IndexSource) else source_of(case)
    if benefit_labels is None:
        benefit_labels = _benefit_labels()
    lead = [
        src.summary,
        src.company_name,
        src.education_text,
        src.benefit_text,
        src.municipality[1] if src.municipality else "",
        src.industry[1] if src.industry else "",
        src.match_type[1] if src.match_type else "",
        *(name for _slug, name, _level in src.programmes),
        *(name for _slug, name in src.task_areas),
        *(name for _slug, name in src.tags),
        *(name for _slug, name in src.partners),
        *(benefit_labels[b] for b in src.benefits if b in benefit_labels),
    ]
    body = [plain_text(src.body), src.video_transcript, *src.roles]
    return [(src.title, WEIGHT_TITLE), *((t, WEIGHT_LEAD) for t in lead if t),
            *((t, WEIGHT_BODY) for t in body if t)]


_benefit_label_maps: dict[str | None, dict[str, str]] = {}


def _benefit_labels() -> dict[str, str]:
    """Benefit value -> its label in the active language (what `Case.benefit_labels` shows), per language."""
    language = get_language()
    labels = _benefit_label_maps.get(language)
    if labels is None:
        labels = _benefit_label_maps[language] = {str(value): str(label) for value, label in Case.Benefit.choices}
    return labels


class _WordTerms:
    """The index terms of every word met so far, as sparse matrices (words × terms) to multiply a batch's word
    counts with. The analyzer's vocabulary is fixed for the process, and 20,000 case texts hold a few
    thousand distinct words: each is analysed once, after which a case's terms and weights are a few
    vectorised operations instead of a Python loop over its words."""

    MAX_WORDS = 500_000  # queries and edits may bring any word: start afresh beyond this

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self.word_ids: dict[str, int] = {}  # raw token (stop words and numbers too) -> row
        self.term_ids: dict[str, int] = {}
        self.terms: list[str] = []
        self.whole: list[int] = []  # row -> the whole word's term, -1 for a token that is not a word
        self.part_rows: list[int] = []  # (row, term) of each compound part (and English-loan synonym)
        self.part_terms: list[int] = []
        self._matrices: dict[tuple[int, int], sparse.csr_matrix] = {}

    def _term(self, term: str) -> int:
        found = self.term_ids.get(term)
        if found is None:
            if not term or len(term.split()) != 1:
                raise ValueError(f"an index term must be a non-empty word without spaces: {term!r}")
            found = self.term_ids[term] = len(self.terms)
            self.terms.append(term)
        return found

    def rows(self, tokens: list[str]) -> np.ndarray:
        """The rows of these raw tokens, analysing the words not met before."""
        new = set(tokens).difference(self.word_ids)
        if new:
            if len(self.word_ids) + len(new) > self.MAX_WORDS:
                self._reset()
                new = set(tokens)
            an = analyzer()
            for word in sorted(new):
                row = self.word_ids[word] = len(self.whole)
                if not is_word(word):
                    self.whole.append(-1)
                    continue
                whole, *parts = an.terms_of_word(word)
                self.whole.append(self._term(whole[:TERM_LENGTH]))
                for part in parts:
                    self.part_rows.append(row)
                    self.part_terms.append(self._term(part[:TERM_LENGTH]))
            self._matrices.clear()
        return np.fromiter(map(self.word_ids.__getitem__, tokens), dtype=np.int64, count=len(tokens))

    def matrix(self, weight: int) -> sparse.csr_matrix:
        """Words × terms: a word's whole term counts `weight`, each compound part half of it (at least 1)."""
        found = self._matrices.get((weight, len(self.whole)))
        if found is None:
            whole = np.array(self.whole, dtype=np.int64)
            words = np.flatnonzero(whole >= 0)
            rows = np.concatenate([words, np.array(self.part_rows, dtype=np.int64)])
            cols = np.concatenate([whole[words], np.array(self.part_terms, dtype=np.int64)])
            values = np.concatenate([np.full(len(words), weight, dtype=np.int64),
                                     np.full(len(self.part_rows), max(1, weight // 2), dtype=np.int64)])
            found = sparse.csr_matrix((values, (rows, cols)), shape=(len(self.whole), len(self.terms)))
            self._matrices[(weight, len(self.whole))] = found  # duplicates (a part cut to a whole) summed
        return found


_word_terms = _WordTerms()


def terms_of_cases(sources: list[IndexSource]) -> list[tuple[list[str], list[int]]]:
    """Each case's index terms (in code point order) with their weights, summed over the case's texts: each
    whole word adds the text's weight, each compound part half of it, at least 1.

    The texts of one weight are tokenised together (joined by a line break, which no token, accent fold or
    standard name such as "ISO 9001" spans, so the tokens are those of each text); the batch's tokens become
    one sparse matrix of counts (case × word) per weight, and the terms are its product with the words'
    terms (`_WordTerms`)."""
    labels = _benefit_labels()
    by_weight: dict[int, tuple[list[int], list[list[str]]]] = {}
    for i, src in enumerate(sources):
        grouped: dict[int, list[str]] = {}
        for text, weight in case_texts(src, labels):
            grouped.setdefault(weight, []).append(text)
        for weight, texts in grouped.items():
            cases, tokens = by_weight.setdefault(weight, ([], []))
            cases.append(i)
            tokens.append(raw_tokens("\n".join(texts)))
    if not by_weight:
        return [([], []) for _ in sources]
    with _word_terms.lock:
        # All tokens in one call: the rows stay valid for the whole batch (the cache may start afresh).
        flat = list(chain.from_iterable(chain.from_iterable(tokens for _cases, tokens in by_weight.values())))
        word_rows = _word_terms.rows(flat)
        shape = (len(sources), len(_word_terms.whole))
        weighted = None
        start = 0
        for weight, (cases, tokens) in by_weight.items():
            lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
            end = start + int(lengths.sum())
            counts = sparse.csr_matrix((np.ones(end - start, dtype=np.int64),
                                        (np.repeat(np.array(cases, dtype=np.int64), lengths), word_rows[start:end])),
                                       shape=shape)
            start = end
            product = counts @ _word_terms.matrix(weight)
            weighted = product if weighted is None else weighted + product
        names = list(_word_terms.terms)
    weighted = sparse.csr_matrix(weighted)
    weighted.eliminate_zeros()
    # Columns renumbered in code point order of the terms, so each row's terms come out sorted.
    order = sorted(range(len(names)), key=names.__getitem__)
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    weighted.indices = rank[weighted.indices].astype(weighted.indices.dtype)
    weighted.has_sorted_indices = False
    weighted.sort_indices()
    sorted_names = [names[j] for j in order]
    indptr, indices, data = weighted.indptr.tolist(), weighted.indices.tolist(), weighted.data.tolist()
    return [(list(map(sorted_names.__getitem__, indices[a:b])), data[a:b])
            for a, b in zip(indptr[:-1], indptr[1:], strict=True)]


def case_terms(case: Case | IndexSource) -> dict[str, int]:
    """Index term -> weight of one case (see `terms_of_cases`)."""
    terms, weights = terms_of_cases([case if isinstance(case, IndexSource) else source_of(case)])[0]
    return dict(zip(terms, weights, strict=True))


def case_facets(case: Case | IndexSource) -> set[tuple[str, str]]:
    """(facet, value) pairs of a case."""
    src = case if isinstance(case, IndexSource) else source_of(case)
    pairs: set[tuple[str, str]] = {("kind", src.kind)}
    pairs.update(("audience", a) for a in src.audiences)
    pairs.update(("benefit", b) for b in src.benefits)
    if src.municipality:
        pairs.add(("municipality", src.municipality[0]))
    if src.industry:
        pairs.add(("industry", src.industry[0]))
    if src.size_class_id:
        pairs.add(("size", src.size_class_id))
    if src.match_type:
        pairs.add(("match_type", src.match_type[0]))
    pairs.update(("level", code) for code in src.levels)
    pairs.update(("level", level) for _slug, _name, level in src.programmes)
    pairs.update(("programme", slug) for slug, _name, _level in src.programmes)
    pairs.update(("task_area", slug) for slug, _name in src.task_areas)
    pairs.update(("tag", slug) for slug, _name in src.tags)
    pairs.update(("partner", slug) for slug, _name in src.partners)
    return pairs


def _rows(sources: list[IndexSource]) -> list[tuple[int, str, str, str]]:
    """CaseIndex rows (case id, terms, weights, facets) of these cases (the format of `engine.pack`)."""
    return [(src.pk, " ".join(terms), " ".join(map(str, weights)), engine.pack_facets((f, v[:100]) for f, v in case_facets(src)))
            for src, (terms, weights) in zip(sources, terms_of_cases(sources), strict=True)]


def _insert(rows: list[tuple[int, str, str, str]]) -> None:
    """Write index rows (one per case, not per term): PostgreSQL by COPY (one stream, no statement per
    batch of rows), SQLite by one prepared INSERT run for every row (executemany: in-process, no round
    trips). No model instances: building and compiling them cost more than the write."""
    if not rows:
        return
    table = connection.ops.quote_name(CaseIndex._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in ("case_id", "terms", "weights", "facets"))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s)", rows)  # noqa: S608


def indexed_terms(case_id: int) -> dict[str, int]:
    """The index terms of a case as stored (term -> weight); {} when it is not in the index."""
    row = CaseIndex.objects.filter(case_id=case_id).values_list("terms", "weights").first()
    return engine.unpack_terms(*row) if row else {}


def indexed_facets(case_id: int) -> set[tuple[str, str]]:
    """The facet values of a case as stored; empty when it is not in the index."""
    row = CaseIndex.objects.filter(case_id=case_id).values_list("facets", flat=True).first()
    return engine.unpack_facets(row) if row else set()


def bump_generation(*, new_epoch: bool = False) -> int:
    """Tell every process that the index changed (their snapshots and labels catch up); the new generation.
    `new_epoch`: the whole index was rebuilt, so snapshots are rebuilt too rather than patched."""
    token = uuid.uuid4().hex
    fields = {"generation": F("generation") + 1, "token": token, **({"epoch": token} if new_epoch else {})}
    updated = SearchState.objects.filter(pk=1).update(**fields)
    if not updated:
        SearchState.objects.get_or_create(pk=1, defaults={"generation": 1, "token": token, "epoch": token})
    engine.holder.write_pending()
    transaction.on_commit(engine.holder.write_committed)
    return SearchState.objects.values_list("generation", flat=True).get(pk=1)


@transaction.atomic
def case_index(case: Case) -> None:
    """Put a published case (again) in the index, or take any other case out of it."""
    CaseIndex.objects.filter(case_id=case.pk).delete()
    if case.status == Case.Status.PUBLISHED:
        _insert(_rows([source_of(_index_queryset().get(pk=case.pk))]))
    Case.objects.filter(pk=case.pk).update(indexed_generation=bump_generation())


def reindex_all(*, batch_size: int = REINDEX_BATCH) -> int:
    """Rebuild the whole index from the published cases; the number of cases indexed."""
    indexed = 0
    with transaction.atomic():
        CaseIndex.objects.all().delete()
        ids = list(Case.objects.filter(status=Case.Status.PUBLISHED).order_by("pk").values_list("pk", flat=True))
        partners = partners_by_id()
        for start in range(0, len(ids), batch_size):
            chunk = sources_for(ids[start:start + batch_size], partners)
            _insert(_rows(chunk))
            indexed += len(chunk)
        generation = bump_generation(new_epoch=True)
        for start in range(0, len(ids), batch_size):  # bounded IN lists (SQLite allows 32,766 parameters)
            Case.objects.filter(pk__in=ids[start:start + batch_size]).update(indexed_generation=generation)
        engine.holder.invalidate()
    return indexed


# --- The in-process vocabulary (typo tolerance) and facet labels ------------------------------------------


def current_generation() -> engine.Stamp:
    """The index's (generation, token, epoch): what a snapshot or a label cache must match."""
    table = connection.ops.quote_name(SearchState._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT generation, token, epoch FROM {table} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    return (row[0], row[1], row[2]) if row else (0, "", "")


def generation_columns() -> list[str]:
    """current_generation() as SQL scalar expressions (NULL when the row is missing): the case pages' part of
    a page-cache version (core.pagecache), read in the page's one version query."""
    table = connection.ops.quote_name(SearchState._meta.db_table)
    return [f"(SELECT {column} FROM {table} WHERE id = 1)" for column in ("generation", "token", "epoch")]  # noqa: S608


def typo_alternatives(term: str, vocabulary: list[str]) -> list[str]:
    """Vocabulary terms closest to `term` (which is not in the vocabulary), within the allowed distance."""
    limit = next((d for length, d in TYPO_DISTANCES if len(term) >= length), 0)
    if not limit or not vocabulary:
        return []
    found = process.extract(term, vocabulary, scorer=OSA.distance, score_cutoff=limit,
                            limit=TYPO_ALTERNATIVES * 4)
    if not found:
        return []
    best = min(score for _t, score, _i in found)
    return sorted(t for t, score, _i in found if score == best)[:TYPO_ALTERNATIVES]


class _Labels:
    """Display names of facet values, loaded per facet and reloaded when the generation changes or a value
    is missing (a new tag, a programme renamed in the guide)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._maps: dict[str, dict[str, str]] = {}
        self._generation: engine.Stamp | None = None

    def _load(self, facet: str) -> dict[str, str]:
        if facet in CHOICE_FACETS:
            return {str(k): str(v) for k, v in CHOICE_FACETS[facet].choices}
        sources = {
            "municipality": (Municipality, "code", "name"),
            "industry": (Industry, "code", None),
            "size": (SizeClass, "code", None),
            "match_type": (MatchType, "code", None),
            "level": (EducationLevel, "code", None),
            "programme": (StudyProgramme, "slug", "name_da"),
            "task_area": (TaskArea, "slug", None),
            "partner": (Organisation, "slug", "name"),
            "tag": (Tag, "slug", "name"),
        }
        model, key, name = sources[facet]
        if name is None:  # reference data with an English name: the label of the active language
            labels = {k: localized(da, en) for k, da, en in model.objects.values_list(key, "name_da", "name_en")}
        else:
            labels = dict(model.objects.values_list(key, name))
        if facet == "programme":
            institutions = dict(StudyProgramme.objects.values_list("slug", "institution"))
            labels = {slug: f"{label} ({institutions.get(slug, '')})" for slug, label in labels.items()}
        if facet == "level":
            labels = {code: f"{code} – {label}" for code, label in labels.items()}
        return labels

    def get(self, facet: str, values: Iterable[str], generation: engine.Stamp) -> dict[str, str]:
        values = list(values)
        with self._lock:
            if self._generation != generation:
                self._maps, self._generation = {}, generation
            cache_key = f"{get_language() or 'da'}:{facet}"  # labels are in the language of the request
            labels = self._maps.get(cache_key)
            if labels is None or any(v not in labels for v in values):
                labels = self._maps[cache_key] = self._load(facet)
        return {v: labels.get(v, v) for v in values}


_labels = _Labels()


def facet_labels(facet: str, values: Iterable[str], generation: engine.Stamp | None = None) -> dict[str, str]:
    return _labels.get(facet, values, current_generation() if generation is None else generation)


# --- Queries -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseQuery:
    """What a visitor asks for: words, selected facet values (facet -> values) and a page."""

    q: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    page: int = 1

    @classmethod
    def from_params(cls, params, *, base: Mapping[str, Iterable[str]] | None = None) -> CaseQuery:
        """From request.GET (or any mapping with getlist); unknown facets and overlong values are ignored,
        never an error. `base` filters (an embed's fixed selection) are added to the visitor's."""
        getlist = params.getlist if hasattr(params, "getlist") else (lambda k: _as_list(params.get(k)))
        filters: dict[str, tuple[str, ...]] = {}
        for key in FACET_KEYS:
            values = [*(base or {}).get(key, ()), *getlist(key)]
            values = [v.strip() for v in values if v and v.strip() and len(v.strip()) <= 100]
            if key == "partner":
                values = partner_slugs(values)
            if values:
                filters[key] = tuple(dict.fromkeys(values))[:MAX_VALUES_PER_FACET]
        try:
            page = max(1, int(params.get("page") or 1))
        except (TypeError, ValueError):
            page = 1
        q = str(params.get("q") or "")[:200].strip()
        return cls(q=q, filters=filters, page=page)

    def selected(self, facet: str, value: str) -> bool:
        return value in self.filters.get(facet, ())

    @property
    def active(self) -> bool:
        return bool(self.q or self.filters)


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def partner_slugs(values: Iterable[str]) -> list[str]:
    """Organisation slugs as the partner slugs the index uses (erhvervskontor-thisted → kommune-thisted)."""

    values = list(values)
    known = {o.slug: o.partner.slug for o in _partner_orgs().filter(slug__in=values)}
    return [known.get(v, v) for v in values]


@dataclass
class WordPlan:
    word: str
    terms: list[str]  # any of these matches the word
    parts: list[str]  # or all of these (a compound query word)
    corrections: list[str] = field(default_factory=list)


def plan_words(q: str, snapshot: engine.Snapshot) -> list[WordPlan]:
    """How each query word is matched (stems, synonyms, compound parts, typo alternatives)."""
    an = analyzer()
    plans: list[WordPlan] = []
    for word in list(dict.fromkeys(tokenize(q)))[:MAX_QUERY_WORDS]:
        full = stem(word)[:TERM_LENGTH]
        terms = [full]
        synonym = SYNONYMS.get(word)
        if synonym:
            terms.append(stem(synonym))
        split = an.splitter.split(word)
        parts = [stem(p)[:TERM_LENGTH] for p in split] if len(split) > 1 else []
        plan = WordPlan(word=word, terms=list(dict.fromkeys(terms)), parts=list(dict.fromkeys(parts)))
        known = snapshot.vocabulary_set
        if not any(t in known for t in plan.terms):
            if not (plan.parts and all(p in known for p in plan.parts)):
                plan.corrections = typo_alternatives(full, snapshot.vocabulary)
                plan.terms.extend(plan.corrections)
        plans.append(plan)
    return plans


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class FacetResult:
    key: str
    label: str
    values: list[FacetValue]

    @property
    def selected_count(self) -> int:
        return sum(1 for v in self.values if v.selected)


@dataclass
class SearchResult:
    query: CaseQuery
    page: Page
    total: int
    facets: list[FacetResult]
    corrections: dict[str, list[str]]  # query word -> the vocabulary terms used for it
    generation: engine.Stamp = (0, "", "")  # of the index the result came from (facet labels of the same one)

    @property
    def cases(self) -> list[Case]:
        return list(self.page.object_list)


def _and(alive: np.ndarray, masks: list[np.ndarray]) -> np.ndarray:
    result = alive.copy()
    for m in masks:
        result &= m
    return result


class _Counted:
    """A stand-in object list for Paginator when only the total is known."""

    def __init__(self, total: int):
        self.total = total

    def count(self) -> int:
        return self.total


def _facet_results(query: CaseQuery, counts: dict[str, dict[str, int]], facets: Iterable[str],
                   generation: engine.Stamp) -> list[FacetResult]:
    results = []
    for definition in FACETS:
        if definition.key not in facets:
            continue
        values = dict(counts.get(definition.key, {}))
        for selected in query.filters.get(definition.key, ()):
            values.setdefault(selected, 0)
        labels = facet_labels(definition.key, values, generation)
        order = list(CHOICE_FACETS[definition.key].values) if definition.key in CHOICE_FACETS else None
        items = [FacetValue(v, labels[v], n, query.selected(definition.key, v)) for v, n in values.items()]
        if order is not None:
            items.sort(key=lambda fv: order.index(fv.value) if fv.value in order else len(order))
        elif definition.key in FIXED_ORDER:
            fixed = FIXED_ORDER[definition.key]
            items.sort(key=lambda fv: fixed.index(fv.value) if fv.value in fixed else len(fixed))
        else:
            items.sort(key=lambda fv: (-fv.count, fv.label.casefold()))
        results.append(FacetResult(definition.key, str(definition.label), items))
    return results


def list_queryset() -> QuerySet[Case]:
    """Published cases with what a result card shows."""
    return (
        Case.objects.filter(status=Case.Status.PUBLISHED)
        .select_related("municipality", "match_type", "company")
        .only(*CARD_FIELDS)
        .prefetch_related("education_levels", Prefetch("images", queryset=CaseImage.objects.order_by("order", "id")))
    )


# What a result card (and the API's list item, the RSS item) uses; the body stays in the database.
CARD_FIELDS = ("id", "slug", "title", "summary", "kind", "company_name", "status", "published_at", "updated_at",
               "municipality__code", "municipality__name", "match_type__code", "match_type__name_da", "match_type__name_en",
               "company__id", "company__name")


def case_search(query: CaseQuery, *, page_size: int = PAGE_SIZE,
                facets: Iterable[str] | None = FACET_KEYS) -> SearchResult:
    """Published cases matching the query, newest first (best match first when there are words), one page
    of them, the total, and the counts of every facet value for the result set."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    generation = current_generation()
    snapshot = engine.holder.get(generation)
    plans = plan_words(query.q, snapshot)
    parts = [snapshot.word_mask(p.terms, p.parts) for p in plans]
    by_facet = {f: snapshot.facet_mask(f, values) for f, values in query.filters.items()}
    mask = _and(snapshot.alive, [*parts, *by_facet.values()])
    total = int(mask.sum())
    paginator = Paginator(_Counted(total), page_size)
    number = min(query.page, paginator.num_pages)
    offset = (number - 1) * page_size
    ids: list[int] = []
    if total:
        score = snapshot.scores({t for p in plans for t in (*p.terms, *p.parts)}) if plans else None
        ordered = snapshot.order(np.flatnonzero(mask), score)[offset:offset + page_size]
        ids = [int(snapshot.ids[slot]) for slot in ordered]
    by_id = {c.pk: c for c in list_queryset().filter(pk__in=ids)} if ids else {}
    cases = [by_id[pk] for pk in ids if pk in by_id]
    facet_keys = list(facets or ())
    counts = {}
    for facet in facet_keys:
        # A facet with chosen values is counted without its own filter: its other values show what choosing
        # them as well would add.
        base = mask if facet not in by_facet else _and(
            snapshot.alive, [*parts, *(m for f, m in by_facet.items() if f != facet)])
        counts[facet] = snapshot.counts(facet, base)
    return SearchResult(
        query=query,
        page=Page(cases, number, paginator),
        total=total,
        facets=_facet_results(query, counts, facet_keys, generation),
        corrections={p.word: p.corrections for p in plans if p.corrections},
        generation=generation,
    )


def icontains_search(query: CaseQuery, *, page_size: int = PAGE_SIZE) -> tuple[list[int], int]:
    """The baseline the benchmark compares against: plain `icontains` on title, summary and body plus the
    same facet filters on the case's own columns, newest first. Not used by the site."""
    qs = Case.objects.filter(status=Case.Status.PUBLISHED)
    for word in query.q.split():
        qs = qs.filter(Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word))
    columns = {"municipality": "municipality_id__in", "industry": "industry_id__in", "size": "size_class_id__in",
               "match_type": "match_type_id__in", "kind": "kind__in", "level": "education_levels__code__in",
               "task_area": "task_areas__slug__in", "programme": "programmes__slug__in", "tag": "tags__slug__in"}
    for facet, values in query.filters.items():
        if facet in columns:
            qs = qs.filter(**{columns[facet]: list(values)})
    qs = qs.distinct()
    total = qs.count()
    ids = list(qs.order_by("-published_at", "-id").values_list("pk", flat=True)[:page_size])
    return ids, total


def related_cases(case: Case, *, limit: int = 3) -> list[Case]:
    """Published cases sharing the most of this case's tasks, programmes, industry, match type, municipality
    and tags; newest first among equals."""
    shared = ("task_area", "programme", "industry", "match_type", "municipality", "tag", "level")
    mine = [(f, v) for f, v in indexed_facets(case.pk) if f in shared]
    if not mine:
        return []
    ranked = engine.holder.get(current_generation()).related(mine, case.pk, limit)
    by_id = {c.pk: c for c in list_queryset().filter(pk__in=ranked)} if ranked else {}
    return [by_id[pk] for pk in ranked if pk in by_id]


def cases_with(facet: str, value: str, *, limit: int = 3) -> tuple[list[Case], int]:
    """The newest published cases with one facet value (e.g. graduates of a programme) and how many there are."""
    snapshot = engine.holder.get(current_generation())
    slots = np.flatnonzero(snapshot.facet_mask(facet, [value]) & snapshot.alive)
    if not len(slots):
        return [], 0
    ids = [int(snapshot.ids[s]) for s in snapshot.order(slots, None)[:limit]]
    by_id = {c.pk: c for c in list_queryset().filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id], len(slots)
