"""/api/suggestions: matching suggestions and the consultant's shortlist (SPEC 3.3), with the rules of the web
pages: only candidates with an active MATCHING consent are suggested (withdrawing consent removes them at
once); name, e-mail and phone are null unless the candidate shares them with all partners or works with your
organisation (`revealed`); contacting a candidate needs their COMPANY_CONTACT consent. Suggestions support
the consultant; a person always decides."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from viaviden.candidates import shortlist_services
from viaviden.candidates.models import Shortlist
from viaviden.candidates.selectors import access_candidate, candidate_own, candidates_for_matching
from viaviden.candidates.suggestions import (
    DEFAULT_K,
    MAX_K,
    ShortlistRow,
    access_shortlist_entry,
    need_shortlist,
    reasons_for_pair,
    shortlist_row,
    staff_may_see_suggestions_for,
    suggestion_values_for_need,
    suggestions_for_candidate,
)
from viaviden.companies.need_selectors import access_need, access_need_job_profile, need_queryset
from viaviden.core.audit import acting_as
from viaviden.core.errors import Forbidden, NotFound
from viaviden.organisations.models import User

from .auth import current_user
from .candidates import CandidateOut
from .candidates import _out as candidate_out
from .common import prevalidated, require_individual_access
from .schemas import ErrorOut, InputSchema, IsoDate, choice

router = Router(tags=["suggestions"])

ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- Schemas -----------------------------------------------------------------------------------------


class ShortlistRef(Schema):
    id: int
    status: choice(Shortlist.Status, "ShortlistStatus")


class CandidateSuggestionOut(Schema):
    candidate: CandidateOut
    score: float = Field(..., description="0..1; comparable within one list only.")
    reasons: list[str] = Field(..., description="Why the candidate is suggested, in plain Danish.")
    shortlist: ShortlistRef | None = Field(None, description="The candidate's entry on the need's shortlist.")


class NeedSuggestionsOut(Schema):
    need_id: int
    items: list[CandidateSuggestionOut] = Field(..., description="Best first.")


class KQuery(Schema):
    k: int = Field(DEFAULT_K, ge=1, le=MAX_K, description="How many suggestions.")


class NeedRef(Schema):
    id: int
    title: str
    company_cvr: str
    company_name: str
    municipality: str | None = Field(None, description="Municipality code of the place of work.")
    earliest_start: IsoDate | None = None


class ProfileSuggestionOut(Schema):
    kind: str = Field(..., description="need (bourse cases later).")
    need: NeedRef | None = None
    score: float
    reasons: list[str]


class CandidateSuggestionsOut(Schema):
    candidate_id: int
    items: list[ProfileSuggestionOut] = Field(..., description="Open needs, best first.")


class ShortlistOut(Schema):
    id: int
    need_id: int
    candidate: CandidateOut
    status: choice(Shortlist.Status, "ShortlistStatus")
    reasons: list[str]
    note: str
    contacted_at: dt.datetime | None
    organisation: str = Field(..., description="Slug of the organisation that added the entry.")
    created_at: dt.datetime
    match_form_url: str = Field(..., description="The web form to register a match from the entry (prefilled).")


class ShortlistFilter(Schema):
    need: int = Field(..., description="The need's id.")


class ShortlistAddIn(InputSchema):
    need: int
    candidate: int
    note: str = Field("", max_length=2000)


class ShortlistStatusIn(InputSchema):
    status: choice(Shortlist.Status, "ShortlistStatus")
    note: str | None = Field(None, max_length=2000)


class ShortlistContactIn(InputSchema):
    message: str = Field(..., max_length=2000, description="The consultant's message to the candidate.")


# --- Helpers -----------------------------------------------------------------------------------------


def _need(user: User, need_id: int):
    return access_need(user, need_id, need_queryset())


def _need_ref(need) -> dict[str, Any]:
    return {
        "id": need.pk,
        "title": need.title,
        "company_cvr": need.company.cvr,
        "company_name": need.company.name,
        "municipality": need.place_municipality_id or need.company.municipality_id,
        "earliest_start": need.earliest_start,
    }


def _shortlist_out(user: User, row: ShortlistRow) -> dict[str, Any]:
    e = row.entry
    return {
        "id": e.pk,
        "need_id": e.need_id,
        "candidate": candidate_out(row.candidate),
        "status": e.status,
        "reasons": list(e.reasons or []),
        "note": e.note,
        "contacted_at": e.contacted_at,
        "organisation": e.organisation.slug,
        "created_at": e.created_at,
        "match_form_url": shortlist_services.shortlist_to_match(user=user, entry=e),
    }


# --- Endpoints ---------------------------------------------------------------------------------------


@router.get("/needs/{need_id}", response={200: NeedSuggestionsOut, **ERRORS}, summary="Candidates for a need")
@prevalidated
def need_suggestions(request: HttpRequest, need_id: int, query: KQuery = Query(...)):  # noqa: B008
    """The candidates that fit a need best, with the reasons. Revealing name and contact details is
    written to the audit log."""
    user = current_user(request)
    require_individual_access(user)
    # The need's job profile in one query, under access_need's rule (issue 16).
    profile = access_need_job_profile(user, need_id)
    # NeedSuggestionsOut's output, read as plain values (byte for byte what validating the schema from model
    # instances gave: viaviden/api/tests/test_suggestion_values.py).
    return {"need_id": profile.need_id, "items": suggestion_values_for_need(user, profile, k=query.k)}


@router.get(
    "/candidates/{candidate_id}",
    response={200: CandidateSuggestionsOut, **ERRORS},
    summary="Open needs for a candidate",
)
def candidate_suggestions(request: HttpRequest, candidate_id: int, query: KQuery = Query(...)):  # noqa: B008
    """The open needs that fit a candidate best (only for candidates who agreed to matching)."""
    user = current_user(request)
    require_individual_access(user)
    view = access_candidate(user, candidate_id, via="api:suggestions")
    if not staff_may_see_suggestions_for(view):
        raise Forbidden(_("Kandidaten har ikke givet samtykke til matchning."), code="no_matching_consent")
    candidate = candidate_own(view.pk)
    items = suggestions_for_candidate(candidate, k=query.k) if candidate is not None else []
    return {
        "candidate_id": view.pk,
        "items": [
            {
                "kind": s.kind,
                "need": _need_ref(s.object) if s.kind == "need" else None,
                "score": s.score,
                "reasons": s.reasons,
            }
            for s in items
        ],
    }


@router.get("/shortlist", response={200: list[ShortlistOut], **ERRORS}, summary="A need's shortlist")
def shortlist_list(request: HttpRequest, filters: ShortlistFilter = Query(...)):  # noqa: B008
    user = current_user(request)
    require_individual_access(user)
    need = _need(user, filters.need)
    return [_shortlist_out(user, row) for row in need_shortlist(user, need)]


@router.post("/shortlist", response={201: ShortlistOut, **ERRORS}, summary="Put a candidate on a need's shortlist")
def shortlist_add(request: HttpRequest, payload: ShortlistAddIn):
    """Only candidates with an active MATCHING consent; the reasons are those of the suggestion. For the
    need's owner organisation and coordinators."""
    user = current_user(request)
    require_individual_access(user)
    need = _need(user, payload.need)
    candidate = candidates_for_matching().filter(pk=payload.candidate).first()
    if candidate is None:
        raise NotFound(
            _("Kandidaten kan ikke foreslås: der er ikke samtykke til matchning."), code="no_matching_consent"
        )
    with acting_as(user), transaction.atomic():
        entry = shortlist_services.shortlist_add(
            user=user, need=need, candidate=candidate, reasons=reasons_for_pair(need, candidate), note=payload.note
        )
    return Status(201, _shortlist_out(user, shortlist_row(user, access_shortlist_entry(user, entry.pk))))


@router.get("/shortlist/{entry_id}", response={200: ShortlistOut, **ERRORS}, summary="A shortlist entry")
def shortlist_detail(request: HttpRequest, entry_id: int):
    user = current_user(request)
    require_individual_access(user)
    return _shortlist_out(user, shortlist_row(user, access_shortlist_entry(user, entry_id)))


@router.post("/shortlist/{entry_id}/status", response={200: ShortlistOut, **ERRORS}, summary="Set an entry's status")
def shortlist_status(request: HttpRequest, entry_id: int, payload: ShortlistStatusIn):
    user = current_user(request)
    require_individual_access(user)
    entry = access_shortlist_entry(user, entry_id)
    with acting_as(user):
        shortlist_services.shortlist_set_status(user=user, entry=entry, status=payload.status, note=payload.note)
    return _shortlist_out(user, shortlist_row(user, access_shortlist_entry(user, entry_id)))


@router.post("/shortlist/{entry_id}/contact", response={200: ShortlistOut, **ERRORS}, summary="Contact the candidate")
def shortlist_contact(request: HttpRequest, entry_id: int, payload: ShortlistContactIn):
    """E-mails the candidate about the need (company, tasks, place) with your message, organisation and
    e-mail address; the candidate answers you directly. Only with the candidate's COMPANY_CONTACT consent
    (otherwise 403, code no_contact_consent, and nothing is sent)."""
    user = current_user(request)
    require_individual_access(user)
    entry = access_shortlist_entry(user, entry_id)
    with acting_as(user):
        shortlist_services.shortlist_contact(user=user, entry=entry, message=payload.message)
    return _shortlist_out(user, shortlist_row(user, access_shortlist_entry(user, entry_id)))
