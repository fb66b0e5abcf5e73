"""Reads of candidate profiles, with the privacy rules of SPEC 3.9 applied in one place.

- Matching suggestions use `candidates_for_matching()`: only candidates with an active MATCHING consent,
  read at query time, so withdrawing consent removes a person from suggestions at once.
- Staff see a candidate's name, e-mail, phone and experience only when the candidate has an active SHARING
  consent, or the candidate's partner organisation is the user's own (partner_org_ids). Otherwise they see a
  pseudonymous view ("Kandidat K-123"). Coordinators follow the same rule. The steering group and users
  without an organisation get 403.
- Staff find the candidates of their own organisation and those who agreed to matching or sharing; other
  profiles (no consent to anything that involves partners) are not shown to them at all.
- Every time personal data is shown to staff, the access is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import router
from django.db.models import Exists, FilteredRelation, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from viaviden.core.errors import Forbidden, NotFound
from viaviden.core.sql import CompiledQuery
from viaviden.matches.permissions import can_see_individual_matches, partner_org_ids
from viaviden.organisations.models import User

from .models import Candidate, Consent, Shortlist

# Anonymised profiles (retention) keep only pseudonymous data; their e-mail is on this reserved domain.
ANONYMISED_DOMAIN = "anonymiseret.invalid"


def pseudonym(candidate_id: int) -> str:
    """The name a candidate has where their real name may not be shown."""
    return pseudonym_template() % {"id": candidate_id}


def pseudonym_template() -> str:
    """The pseudonym's words, translated (once for a whole list, as in candidate_values)."""
    return _("Kandidat K-%(id)s")


def stored_pseudonym(candidate_id: int) -> str:
    """The pseudonym as stored in audit rows: the same words whatever language the request had."""
    return f"Kandidat K-{candidate_id}"


def is_anonymised(candidate: Candidate) -> bool:
    return candidate.email.endswith("@" + ANONYMISED_DOMAIN)


def _active_consent(purpose: str) -> Exists:
    return Exists(Consent.objects.filter(candidate=OuterRef("pk"), purpose=purpose, withdrawn_at__isnull=True))


def active_consents_prefetch() -> Prefetch:
    """Active consents as `candidate.active_consents` (a list), one query for a whole page."""
    return Prefetch(
        "consents", queryset=Consent.objects.filter(withdrawn_at__isnull=True), to_attr="active_consents"
    )


def with_profile_relations(qs: QuerySet[Candidate]) -> QuerySet[Candidate]:
    return qs.select_related("programme", "programme__level", "level", "home_municipality", "organisation") \
        .prefetch_related("match_types", active_consents_prefetch())


# --- Matching ----------------------------------------------------------------------------------------


def candidates_for_matching() -> QuerySet[Candidate]:
    """Candidates who may appear in matching suggestions: an active MATCHING consent, not anonymised.
    Programme, level, home municipality and wished match types are loaded with them."""
    return (
        Candidate.objects.filter(_active_consent(Consent.Purpose.MATCHING))
        .exclude(email__endswith="@" + ANONYMISED_DOMAIN)
        .select_related("programme", "programme__level", "level", "home_municipality")
        .prefetch_related("match_types")
        .order_by("pk")
    )


# --- The candidate's own data ------------------------------------------------------------------------


def candidate_own(candidate_id: int) -> Candidate | None:
    """The logged-in candidate's own profile (self-service), with what the pages show."""
    return with_profile_relations(Candidate.objects.filter(pk=candidate_id)).first()


def candidate_consents(candidate: Candidate) -> QuerySet[Consent]:
    """Every consent record of the candidate, newest first (withdrawn ones stay as evidence)."""
    return candidate.consents.select_related("recorded_by__organisation").order_by("-given_at", "-pk")


def candidate_shortlists(candidate: Candidate) -> QuerySet[Shortlist]:
    return candidate.shortlists.select_related("need__company", "organisation").order_by("-created_at", "-pk")


# --- Staff: who may see what -------------------------------------------------------------------------


def _org_ids(user: User) -> list[int]:
    """partner_org_ids, remembered on the user object for the rest of the request."""
    cached = getattr(user, "_candidate_org_ids", None)
    if cached is None:
        cached = partner_org_ids(user)
        user._candidate_org_ids = cached  # type: ignore[attr-defined]
    return cached


def _require_staff_access(user: User) -> None:
    if not can_see_individual_matches(user):
        raise Forbidden(
            _("Du har kun adgang til samlede tal, ikke til enkelte kandidater."), code="aggregates_only"
        )


@dataclass(frozen=True)
class CandidateView:
    """What a staff user may see of one candidate. Personal fields are None when masked."""

    pk: int
    pseudonym: str
    revealed: bool
    name: str | None
    email: str | None
    phone: str | None
    experience: str | None
    kind: str
    kind_label: str
    programme: Any
    education_text: str
    institution: str
    level: Any
    expected_graduation: dt.date | None
    competences: str
    match_types: list[Any]
    available_from: dt.date | None
    home_municipality: Any
    max_travel_minutes: int | None
    willing_to_move: bool
    organisation: Any
    own_organisation: bool
    consent_purposes: frozenset[str] = field(default_factory=frozenset)
    created_via: str = ""
    created_at: dt.datetime | None = None

    @property
    def display_name(self) -> str:
        return self.name if self.revealed and self.name else self.pseudonym

    @property
    def education(self) -> str:
        if self.programme is not None:
            return str(self.programme.name_da)
        return self.education_text

    @property
    def may_be_suggested(self) -> bool:
        return Consent.Purpose.MATCHING in self.consent_purposes

    @property
    def may_be_shared(self) -> bool:
        return Consent.Purpose.SHARING in self.consent_purposes

    @property
    def may_be_contacted(self) -> bool:
        """Contacting the person about a company's need requires the COMPANY_CONTACT consent."""
        return Consent.Purpose.COMPANY_CONTACT in self.consent_purposes


def _purposes(candidate: Candidate) -> frozenset[str]:
    consents = getattr(candidate, "active_consents", None)
    if consents is None:
        consents = candidate.consents.filter(withdrawn_at__isnull=True)
    return frozenset(c.purpose for c in consents)


def _own_and_revealed(organisation_id: int | None, purposes: frozenset[str], org_ids: Sequence[int]) -> tuple[bool, bool]:
    """The rule of SPEC 3.9 for one candidate: whether the candidate works with one of the user's organisations,
    and whether name, e-mail, phone and experience are shown (own organisation, or an active SHARING consent)."""
    own = organisation_id is not None and organisation_id in org_ids
    return own, own or Consent.Purpose.SHARING in purposes


def _view(candidate: Candidate, org_ids: Sequence[int]) -> CandidateView:
    purposes = _purposes(candidate)
    own, revealed = _own_and_revealed(candidate.organisation_id, purposes, org_ids)
    return CandidateView(
        pk=candidate.pk,
        pseudonym=pseudonym(candidate.pk),
        revealed=revealed,
        name=candidate.name if revealed else None,
        email=candidate.email if revealed else None,
        phone=candidate.phone if revealed else None,
        experience=candidate.experience if revealed else None,
        kind=candidate.kind,
        kind_label=str(candidate.get_kind_display()),
        programme=candidate.programme,
        education_text=candidate.education_text,
        institution=candidate.institution or (candidate.programme.institution if candidate.programme else ""),
        level=candidate.level or (candidate.programme.level if candidate.programme else None),
        expected_graduation=candidate.expected_graduation,
        competences=candidate.competences,
        match_types=list(candidate.match_types.all()),
        available_from=candidate.available_from,
        home_municipality=candidate.home_municipality,
        max_travel_minutes=candidate.max_travel_minutes,
        willing_to_move=candidate.willing_to_move,
        organisation=candidate.organisation,
        own_organisation=own,
        consent_purposes=purposes,
        created_via=candidate.created_via,
        created_at=candidate.created_at,
    )


def visible_candidate(user: User, candidate: Candidate) -> CandidateView:
    """The candidate as `user` may see them (personal fields masked unless allowed). Does not log."""
    _require_staff_access(user)
    return _view(candidate, _org_ids(user))


def candidate_views(user: User, candidates: Iterable[Candidate], *, log_as: str = "") -> list[CandidateView]:
    """Views of many candidates (a page of a list); the user's organisations are looked up once. With `log_as`
    (where they are shown), the rows that reveal personal data are audit-logged in one insert."""
    _require_staff_access(user)
    org_ids = _org_ids(user)
    candidates = list(candidates)
    views = [_view(c, org_ids) for c in candidates]
    if log_as:
        revealed = [c for c, v in zip(candidates, views, strict=True) if v.revealed]
        if revealed:
            content_type = ContentType.objects.get_for_model(Candidate)
            LogEntry.objects.bulk_create([
                LogEntry(content_type=content_type, object_pk=str(c.pk), object_id=c.pk,
                         object_repr=stored_pseudonym(c.pk), action=LogEntry.Action.ACCESS, actor=user,
                         additional_data={"personal_data": True, "via": log_as})
                for c in revealed
            ])
    return views


# The columns of a candidate as plain values (issue 16): what `_view` reads from the model instance and its
# relations, in one query with joins, for lists that are serialised straight from values (the API's suggestions).
_VALUE_FIELDS = (
    "pk", "name", "email", "phone", "experience", "kind", "programme_id", "programme__slug", "programme__name_da",
    "programme__institution", "programme__level_id", "education_text", "institution", "level_id",
    "expected_graduation", "competences", "available_from", "home_municipality_id", "max_travel_minutes",
    "willing_to_move", "organisation_id", "organisation__slug", "organisation__name",
)


def candidate_values(
    user: User, candidates: QuerySet[Candidate], *, shortlist_need: int | None = None
) -> dict[int, dict[str, Any]]:
    """The candidates of `candidates` as `user` may see them, as plain values keyed by id: the fields of
    CandidateView that lists show, with the same masking (`_own_and_revealed`), in one query and without model
    instances. Each value is {"id", "pseudonym", "revealed", "name", "email", "phone", "experience", "kind",
    "programme" (None or {"slug", "name", "institution"}), "education_text", "institution", "level" (code),
    "expected_graduation", "competences", "match_types" (codes, in MatchType's order), "available_from",
    "home_municipality" (code), "max_travel_minutes", "willing_to_move", "organisation" (None or {"id", "slug",
    "name"}), "consents" (sorted purposes)}; with `shortlist_need` (a need's id) also "shortlist": None or the
    candidate's entry on that need's shortlist as {"id", "status"}. Does not log; the caller logs what it shows.

    The one query (issue 16) joins the rows with programme and organisation, the match types, the active consents
    and the shortlist entry: one row per (match type, active consent) pair of a candidate."""
    _require_staff_access(user)
    return _values_from_rows(user, list(_values_rows(candidates, shortlist_need)), with_shortlist=shortlist_need is not None)


def _values_rows(candidates: QuerySet[Candidate], shortlist_need: int | None) -> QuerySet:
    """candidate_values' one query: one row per (match type, active consent) pair of a candidate."""
    extra = ["match_types__code", "active__purpose"]
    qs = candidates.select_related(None).prefetch_related(None).annotate(
        active=FilteredRelation("consents", condition=Q(consents__withdrawn_at__isnull=True))
    )
    if shortlist_need is not None:
        qs = qs.annotate(entry=FilteredRelation("shortlists", condition=Q(shortlists__need_id=shortlist_need)))
        extra += ["entry__pk", "entry__status"]
    # MatchType's own order within a candidate, as `candidate.match_types.all()`
    return qs.order_by("pk", "match_types__order", "match_types__code").values_list(
        *_VALUE_FIELDS, *_ORGANISATION_CHAIN, *extra
    )


def _values_from_rows(user: User, rows: list[tuple], *, with_shortlist: bool) -> dict[int, dict[str, Any]]:
    """candidate_values from the rows of _values_rows."""
    partner_id = _partner_id(user)
    named = pseudonym_template()
    n = len(_VALUE_FIELDS) + len(_ORGANISATION_CHAIN)
    values: dict[int, dict[str, Any]] = {}
    purposes: dict[int, set[str]] = {}
    for row in rows:
        pk = row[0]
        value = values.get(pk)
        if value is None:
            value = values[pk] = _candidate_value(row, named)
            value["_own"] = _in_partner_tree(user, partner_id, row[_ORGANISATION_AT], row[len(_VALUE_FIELDS):n])
            purposes[pk] = set()
            if with_shortlist:
                value["shortlist"] = None if row[-2] is None else {"id": row[-2], "status": row[-1]}
        code, purpose = row[n], row[n + 1]
        if code is not None and code not in value["match_types"]:
            value["match_types"].append(code)
        if purpose is not None:
            purposes[pk].add(purpose)
    for pk, value in values.items():
        active = frozenset(purposes[pk])
        revealed = value.pop("_own") or Consent.Purpose.SHARING in active  # _own_and_revealed's rule
        personal = value.pop("_personal")
        value["revealed"] = revealed
        for key in ("name", "email", "phone", "experience"):
            value[key] = personal[key] if revealed else None
        value["consents"] = sorted(active)
    return values


# The candidate's organisation's parent, grandparent and great-grandparent (candidate_values): whether the
# organisation is in the user's partner tree is read from the row, without the tree's own queries.
_ORGANISATION_CHAIN = ("organisation__parent_id", "organisation__parent__parent_id",
                       "organisation__parent__parent__parent_id")
_ORGANISATION_AT = _VALUE_FIELDS.index("organisation_id")


def _partner_id(user: User) -> int | None:
    """The id of the partner whose tree partner_org_ids gives the user (None without an organisation)."""
    return None if user.organisation_id is None else user.organisation.partner.pk


def _in_partner_tree(user: User, partner_id: int | None, organisation_id: int | None, chain: tuple) -> bool:
    """Whether an organisation is in `_org_ids(user)` (the user's partner and every unit below it), from the
    organisation and its first ancestors: in the tree when the partner is one of them; when the chain goes on
    above the ancestors read, the tree itself decides (its queries, only then)."""
    if partner_id is None or organisation_id is None:
        return False
    if organisation_id == partner_id or partner_id in chain:
        return True
    if chain[-1] is not None:
        return organisation_id in _org_ids(user)
    return False


def matching_candidate_values(
    user: User, ids: Iterable[int], *, shortlist_need: int | None = None
) -> dict[int, dict[str, Any]]:
    """candidate_values of the candidates among `ids` who may appear in matching suggestions, by the rule of
    `candidates_for_matching()` (an active MATCHING consent, not anonymised), read at query time. The consent is
    checked on the active consents candidate_values joins anyway: an EXISTS over the consents made PostgreSQL
    hash the whole consent table for twenty ids (issue 16)."""
    _require_staff_access(user)
    with_shortlist = shortlist_need is not None
    query = _matching_values_query(router.db_for_read(Candidate), with_shortlist)
    rows = query.run(ids=list(ids), **({"need": shortlist_need} if with_shortlist else {}))
    values = _values_from_rows(user, rows, with_shortlist=with_shortlist)
    return {pk: value for pk, value in values.items() if Consent.Purpose.MATCHING in value["consents"]}


_NEED_SENTINEL = -7_340_991_201  # stands for the need's id in the compiled query


def warm_up_matching_values(*, run: bool = False) -> None:
    """Compiles matching_candidate_values' queries before the first request needs them (config/warmup.py);
    `run`: also runs each once on this process's connection (a candidate id that never exists)."""
    for with_shortlist in (True, False):
        query = _matching_values_query(router.db_for_read(Candidate), with_shortlist)
        if run:
            query.run(ids=[0], **({"need": 0} if with_shortlist else {}))


@functools.cache
def _matching_values_query(alias: str, with_shortlist: bool) -> CompiledQuery:
    """matching_candidate_values' query, compiled once per process (core.sql): compiling its joins cost more
    than running them (issue 16)."""
    qs = Candidate.objects.using(alias).filter(pk__in=RawSQL("__ids__", ())).exclude(  # noqa: S611
        email__endswith="@" + ANONYMISED_DOMAIN
    )
    rows = _values_rows(qs, _NEED_SENTINEL if with_shortlist else None)
    return CompiledQuery(rows, slots={"need": (_NEED_SENTINEL, None)} if with_shortlist else None,
                         id_lists=("ids",))


def _candidate_value(row: tuple, named: str) -> dict[str, Any]:
    """One candidate's values from a row of _VALUE_FIELDS, before the masking (candidate_values); `named`: the
    pseudonym's translated words."""
    (pk, name, email, phone, experience, kind, programme_id, programme_slug, programme_name, programme_institution,
     programme_level, education_text, institution, level, expected_graduation, competences, available_from,
     home_municipality, max_travel_minutes, willing_to_move, organisation_id, organisation_slug,
     organisation_name) = row[: len(_VALUE_FIELDS)]
    return {
        "id": pk,
        "pseudonym": named % {"id": pk},
        "revealed": False,
        "name": None,
        "email": None,
        "phone": None,
        "experience": None,
        "kind": kind,
        "programme": None if programme_id is None else {
            "slug": programme_slug, "name": programme_name, "institution": programme_institution,
        },
        "education_text": education_text,
        "institution": institution or (programme_institution if programme_id is not None else ""),
        "level": level if level is not None else (programme_level if programme_id is not None else None),
        "expected_graduation": expected_graduation,
        "competences": competences,
        "match_types": [],
        "available_from": available_from,
        "home_municipality": home_municipality,
        "max_travel_minutes": max_travel_minutes,
        "willing_to_move": willing_to_move,
        "organisation": None if organisation_id is None else {
            "id": organisation_id, "slug": organisation_slug, "name": organisation_name,
        },
        "consents": [],
        "_personal": {"name": name, "email": email, "phone": phone, "experience": experience},
    }


def visible_candidates(user: User) -> QuerySet[Candidate]:
    """The candidates a staff user may find: their own organisation's, and those who consented to matching
    or sharing. Anonymised profiles are never listed."""
    _require_staff_access(user)
    org_ids = _org_ids(user)
    qs = Candidate.objects.exclude(email__endswith="@" + ANONYMISED_DOMAIN)
    return qs.filter(
        Q(organisation_id__in=org_ids)
        | _active_consent(Consent.Purpose.MATCHING)
        | _active_consent(Consent.Purpose.SHARING)
    )


def candidate_list_for_staff(user: User, filters: dict[str, Any] | None = None) -> QuerySet[Candidate]:
    """The candidates `user` may find, filtered, with what a list page shows (turn rows into what the user
    may see with `candidate_views`). Free text searches education and competences for everyone, and name and
    e-mail only among the candidates whose name the user may see (a hit must not reveal who is behind a
    pseudonym)."""
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "", [])}
    qs = visible_candidates(user)
    text = str(filters.get("q", "")).strip()
    if text:
        org_ids = _org_ids(user)
        revealed = Q(organisation_id__in=org_ids) | _active_consent(Consent.Purpose.SHARING)
        words = Q()
        for word in text.split():
            words &= (
                Q(competences__icontains=word)
                | Q(education_text__icontains=word)
                | Q(programme__name_da__icontains=word)
                | Q(institution__icontains=word)
                | (revealed & (Q(name__icontains=word) | Q(email__icontains=word)))
            )
        qs = qs.filter(words)
    if filters.get("level"):
        level = filters["level"]
        qs = qs.filter(Q(level_id=level) | Q(level__isnull=True, programme__level_id=level))
    if filters.get("programme"):
        qs = qs.filter(programme=filters["programme"])
    if filters.get("home_municipality"):
        qs = qs.filter(home_municipality=filters["home_municipality"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("consent"):
        qs = qs.filter(_active_consent(filters["consent"]))
    if filters.get("own"):
        qs = qs.filter(organisation_id__in=_org_ids(user))
    if filters.get("match_type"):
        qs = qs.filter(pk__in=Candidate.match_types.through.objects.filter(matchtype=filters["match_type"])
                       .values("candidate_id"))
    return with_profile_relations(qs).order_by("-created_at", "-pk")


def log_personal_data_access(user: User | None, candidate: Candidate, *, what: str) -> LogEntry:
    """One audit-log row saying that `user` saw the candidate's personal data (`what`: where). The row names
    the candidate by pseudonym only."""
    return LogEntry.objects.log_create(
        candidate,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        changes=None,
        object_repr=stored_pseudonym(candidate.pk),
        actor=user if user is not None and user.is_authenticated else None,
        additional_data={"personal_data": True, "via": what},
    )


def access_candidate(user: User, pk: int, *, via: str = "web") -> CandidateView:
    """Fetch a candidate the user may find (NotFound otherwise, the same answer whether it does not exist or
    may not be seen) as the user may see them; when personal data is shown, the access is audit-logged."""
    candidate = with_profile_relations(visible_candidates(user).filter(pk=pk)).first()
    if candidate is None:
        raise NotFound(_("Kandidaten findes ikke, eller du har ikke adgang til profilen."))
    view = visible_candidate(user, candidate)
    if view.revealed:
        log_personal_data_access(user, candidate, what=via)
    return view


def access_candidate_for_erasure(user: User, pk: int) -> Candidate:
    """A candidate whose profile `user` may erase on the person's request: their own organisation's
    candidates, or any candidate coordinators can find."""
    qs = visible_candidates(user)
    if not user.sees_everything:
        qs = qs.filter(organisation_id__in=partner_org_ids(user))
    candidate = qs.filter(pk=pk).first()
    if candidate is None:
        raise NotFound(_("Kandidaten findes ikke, eller du har ikke adgang til profilen."))
    return candidate


def can_erase(user: User, view: CandidateView) -> bool:
    return user.sees_everything or view.own_organisation
