"""/api/matches: the match registry. Reads go through visible_matches, writes through the services,
so the API enforces exactly the rules of the web interface."""

import datetime as dt
import functools
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import NotSupportedError, connections, transaction
from django.db.models import CharField, Func, Prefetch, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status
from ninja.pagination import paginate

from viaviden.companies.need_selectors import access_need
from viaviden.core.audit import acting_as
from viaviden.core.errors import NotFound, ValidationFailed
from viaviden.core.sql import CompiledQuery, prepared_cursor
from viaviden.matches.models import Match, MatchContribution
from viaviden.matches.permissions import access_match, visible_matches
from viaviden.matches.selectors import filter_matches, kept_count
from viaviden.matches.services import MatchData, match_register, match_reject, match_update, match_verify
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import EducationLevel, MatchType, Municipality

from .auth import current_user
from .common import References, prevalidated, require_individual_access, version_from
from .companies import company_from_payload
from .pagination import PageNumberPagination
from .schemas import (
    ErrorOut,
    MatchCreateIn,
    MatchFilter,
    MatchOut,
    MatchRegisterOut,
    MatchUpdateIn,
    RejectIn,
    VerifyIn,
)

router = Router(tags=["matches"])

ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class MatchFromNeedIn(MatchCreateIn):
    need: int | None = Field(
        None,
        description="Id of the need (behov) the match comes from. The company must be the need's; an open "
        "need is then answered with the match (status matched).",
    )


def _with_output_data() -> QuerySet[Match]:
    """Matches with everything MatchOut reads, in a fixed number of queries. Person data is shown
    because every caller passes this through the permission filter (visible_matches/access_match)."""
    return (
        Match.objects.select_related("programme", "company", "municipality", "registering_org", "partner")
        .prefetch_related(
            Prefetch("contributions", queryset=MatchContribution.objects.select_related("organisation").order_by("id"))
        )
        .annotate(person_visible=Value(True))
    )


def _matches(user: User) -> QuerySet[Match]:
    return visible_matches(user, _with_output_data())


def _get_match(user: User, match_id: int) -> Match:
    return access_match(user, match_id, _with_output_data())


def _with_etag(response: HttpResponse, match: Match) -> Match:
    response["ETag"] = f'"{match.version}"'
    return match


# The list's columns, read with .values() (issue 16): a page of 100 matches is serialised from these rows
# straight into MatchOut's shape, without model instances and without ninja's per-attribute getter. The
# JSON is byte for byte what validating MatchOut gives (viaviden/api/tests/test_match_list_rows.py).
_ROW_FIELDS = (
    "id", "version", "programme__slug", "company__cvr", "company__name", "municipality_id", "municipality__name",
    "match_type_id", "start_date_json", "education_level_id", "institution", "education", "person_name",
    "person_email", "person_consent_at_json", "person_key", "registering_org__id", "registering_org__slug",
    "registering_org__name", "partner__slug", "activity", "activity_note", "status", "rejection_reason",
    "verified_at_json", "possible_duplicate_of_id", "outside_aalborg", "project_year", "half_year", "target_part",
    "is_synthetic", "created_at_json", "updated_at_json",
)


def _json_datetime(value: dt.datetime | None) -> str | None:
    """A datetime as ninja's renderer writes it (DjangoJSONEncoder: milliseconds, "Z" for UTC). The list has the
    database write them so (JsonDateTime); this is the rule it follows."""
    if value is None:
        return None
    text = value.isoformat()
    if value.microsecond:
        text = text[:23] + text[26:]
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return text


class JsonDateTime(Func):
    """A datetime column written by the database as _json_datetime writes it (UTC: the connection's time zone on
    PostgreSQL, the stored text on SQLite): "2021-05-03T08:00:00Z", or with milliseconds (cut, not rounded)
    when the value has a fraction of a second. Parsing 200 datetimes into Python objects only to write them
    back as text was a tenth of the list's time (issue 16)."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[override]
        raise NotSupportedError(f"JsonDateTime is not written for {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        column, params = compiler.compile(self.source_expressions[0])
        utc = f"({column} AT TIME ZONE 'UTC')"
        sql = (f"CASE WHEN date_trunc('second', {utc}) = {utc} "
               f"THEN to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
               f"ELSE to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') END")
        return sql, (*params, *params, *params)

    def as_sqlite(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        # Django stores "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC, the fraction only when there is one.
        column, params = compiler.compile(self.source_expressions[0])
        return f"(replace(substr({column}, 1, 23), ' ', 'T') || 'Z')", params


class JsonDate(Func):
    """A date column as text, "YYYY-MM-DD" (date.isoformat())."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[override]
        raise NotSupportedError(f"JsonDate is not written for {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        column, params = compiler.compile(self.source_expressions[0])
        return f"to_char({column}, 'YYYY-MM-DD')", params

    def as_sqlite(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        column, params = compiler.compile(self.source_expressions[0])
        return column, params  # stored as "YYYY-MM-DD"


_ROWS = Match.objects.annotate(
    start_date_json=JsonDate("start_date"), person_consent_at_json=JsonDateTime("person_consent_at"),
    verified_at_json=JsonDateTime("verified_at"), created_at_json=JsonDateTime("created_at"),
    updated_at_json=JsonDateTime("updated_at"),
).values_list(*_ROW_FIELDS)
_CONTRIBUTIONS = MatchContribution.objects.order_by("id").values_list(
    "match_id", "organisation__slug", "organisation__name", "role"
)
# Where the rows' SQL compiled once per process (below) takes the subquery of the page's ids, and the list's
# query for its count.
_IDS = "__match_ids__"
_COUNTED = "__match_counted__"
_COUNT = "SELECT COUNT(*) FROM (__match_counted__) counted"


def _ordering(matches: QuerySet[Match]) -> tuple[Any, ...]:
    return tuple(matches.query.order_by) or (tuple(Match._meta.ordering) if matches.query.default_ordering else ())


@functools.cache
def _compiled(alias: str, ordering: tuple[Any, ...], counted: bool) -> str:
    """The SQL of the rows for database `alias` and the list's `ordering`, compiled once per process (compiling
    the 33 columns and five joins cost more than running them), with _IDS where each request puts its page's
    ids. With `counted`, each row ends with the count of the list's matches (_COUNTED: an uncorrelated subquery,
    counted once per query): the page and the paginator's count in one query. It has no parameters of its own."""
    rows = _ROWS.filter(pk__in=RawSQL(_IDS, ())).order_by(*ordering)  # noqa: S611 (replaced by SQL the ORM compiled)
    if counted:
        rows = rows.annotate(counted=RawSQL(_COUNT, ())).values_list(*_ROW_FIELDS, "counted")  # noqa: S611
    rows_sql, rows_params = rows.query.get_compiler(alias).as_sql()
    assert not rows_params and rows_sql.count(f"IN ({_IDS})") == 1
    if connections[alias].vendor == "postgresql":
        # The page's ids as an array, looked up by primary key: PostgreSQL read every match to join an IN (…)
        # of a hundred ids (a hash semi join over a sequential scan).
        rows_sql = rows_sql.replace(f"IN ({_IDS})", f"= ANY(ARRAY({_IDS}))", 1)
    assert not counted or rows_sql.count(_COUNTED) == 1 and rows_sql.index(_COUNTED) < rows_sql.index(_IDS)
    return rows_sql


@functools.cache
def _contributions(alias: str) -> CompiledQuery:
    """The contributions of a page's matches, compiled once per process (core.sql)."""
    return CompiledQuery(_CONTRIBUTIONS.using(alias).filter(match_id__in=RawSQL("__ids__", ())),  # noqa: S611
                         id_lists=("ids",))


def warm_up_match_list(*, run: bool = False) -> None:
    """Compiles the list's SQL for its default order before the first request needs it (config/warmup.py);
    `run`: also runs a page and its contributions once on this process's connection (a page of no match)."""
    matches = Match.objects.all()
    for counted in (True, False):
        _compiled(matches.db, _ordering(matches), counted)
    _contributions(matches.db)
    if run:
        match_page(matches.filter(pk=0)[:1], counted=matches.filter(pk=0))
        _contributions(matches.db).run(ids=[0])


def match_rows(matches: QuerySet[Match]) -> list[dict[str, Any]]:
    """MatchOut's output for `matches` (a page: sliced or not), in their order, in two queries (match_page)."""
    return match_page(matches)[0]


def match_page(matches: QuerySet[Match], counted: QuerySet[Match] | None = None) -> tuple[list[dict[str, Any]], int | None]:
    """MatchOut's output for `matches` (a page: sliced or not), in their order, in two queries, with dates and
    datetimes already written as the JSON renderer writes them (so the rendered bytes are those of MatchOut's
    model_dump); and, when `counted` (the whole list) is given and the page has rows, the number of matches in
    it, asked in the rows' query. The rows are chosen by `matches` in a subquery of the match table alone (its
    filters, its order, its slice), and only those are joined to their relations: slicing the joined query
    itself let SQLite join and sort the whole list to keep 100 (issue 16). Person data is shown as in
    _with_output_data: every caller passes `matches` through visible_matches."""
    rows_sql = _compiled(matches.db, _ordering(matches), counted is not None)
    try:
        ids_sql, params = matches.values("pk").query.get_compiler(matches.db).as_sql()
    except EmptyResultSet:  # a filter that nothing can match (e.g. a year past the column's range on PostgreSQL)
        return [], 0 if counted is not None else None
    rows_sql = rows_sql.replace(_IDS, ids_sql, 1)
    if counted is not None:
        counted_sql, counted_params = counted.values("pk").order_by().query.get_compiler(matches.db).as_sql()
        rows_sql = rows_sql.replace(_COUNTED, counted_sql, 1)
        params = (*counted_params, *params)
    with prepared_cursor(matches.db) as cursor:
        cursor.execute(rows_sql, params)
        rows = cursor.fetchall()
    contributions: dict[int, list[dict[str, str]]] = {row[0]: [] for row in rows}
    if rows:
        for match_id, slug, name, role in _contributions(matches.db).run(ids=list(contributions)):
            contributions[match_id].append({"organisation": slug, "name": name, "role": role})
    total = rows[0][-1] if rows and counted is not None else None
    return [
        {
            "id": pk, "version": version, "programme": programme,
            "company": {"cvr": cvr, "name": company_name},
            "municipality": municipality, "municipality_name": municipality_name, "match_type": match_type,
            "start_date": start_date, "education_level": level, "institution": institution,
            "education": education,
            "person_name": person_name or None, "person_email": person_email or None,
            "person_consent_at": consent_at, "pseudonymous_key": bool(person_key),
            "registering_org": {"id": org_id, "slug": org_slug, "name": org_name},
            "partner": partner, "contributions": contributions[pk], "activity": activity,
            "activity_note": activity_note, "status": status, "rejection_reason": rejection_reason,
            "verified_at": verified_at, "possible_duplicate_of": duplicate_of, "outside_aalborg": bool(outside),
            "project_year": project_year, "half_year": half_year, "target_part": target_part,
            "is_synthetic": bool(is_synthetic), "created_at": created_at, "updated_at": updated_at,
        }
        for (pk, version, programme, cvr, company_name, municipality, municipality_name, match_type, start_date,
             level, institution, education, person_name, person_email, consent_at, person_key, org_id, org_slug,
             org_name, partner, activity, activity_note, status, rejection_reason, verified_at, duplicate_of,
             outside, project_year, half_year, target_part, is_synthetic, created_at, updated_at, *_count) in rows
    ], total


class MatchRowsPagination(PageNumberPagination):
    """The project's page-number pagination, with the page read as MatchOut-shaped rows (match_page). The count is
    the one kept for the same list since nothing changed (selectors.kept_count) or, when there is none, asked in the page's
    query (one round trip less, issue 16). Only a page past the end, which has no row to carry it, asks for the
    count on its own."""

    def paginate_queryset(self, queryset, pagination, request, **params):  # type: ignore[override]
        page_size = self._get_page_size(pagination.page_size)
        offset = (pagination.page - 1) * page_size
        page = queryset[offset: offset + page_size]
        count, keep = kept_count(queryset)
        if count is not None:
            return {self.items_attribute: match_page(page)[0], "count": count}
        items, count = match_page(page, counted=queryset)
        if count is None:
            count = self._items_count(queryset) if offset else 0
        keep(count)
        return {self.items_attribute: items, "count": count}


@router.get("", response={200: list[MatchOut], 403: ErrorOut}, summary="List matches you can see")
@prevalidated
@paginate(MatchRowsPagination)
def match_list(request: HttpRequest, filters: MatchFilter = Query(...)):  # noqa: B008
    user = current_user(request)
    require_individual_access(user)
    return filter_matches(visible_matches(user), **filters.dict())


@router.get("/{match_id}", response={200: MatchOut, **ERRORS}, summary="Get a match")
def match_detail(request: HttpRequest, match_id: int, response: HttpResponse):
    user = current_user(request)
    require_individual_access(user)
    return _with_etag(response, _get_match(user, match_id))


@router.post("", response={201: MatchRegisterOut, **ERRORS}, summary="Register a match")
def match_create(request: HttpRequest, payload: MatchFromNeedIn, response: HttpResponse):
    """Registers a match, creating the company first if the CVR number is new (give name and
    municipality). If the same person (`person_identifier`), company and type starting within the
    duplicate window is already registered, nothing new is created: you are added as a contributor to
    the existing match and `merged` is true. With `need`, the match is linked to that need and answers it."""
    user = current_user(request)
    require_individual_access(user)
    refs = References()
    match_type = refs.get(MatchType, "match_type", payload.match_type, required=True)
    level = refs.get(EducationLevel, "education_level", payload.education_level.upper(), required=True)
    municipality = refs.get(Municipality, "municipality", payload.municipality)
    organisation = refs.get(Organisation, "organisation", payload.organisation, lookup="slug")
    contributors = tuple(
        org
        for slug in payload.contributors
        if (org := refs.get(Organisation, "contributors", slug, lookup="slug")) is not None
    )
    need = None
    if payload.need is not None:
        try:
            need = access_need(user, payload.need)
        except NotFound:
            refs.errors.setdefault("need", []).append(_("Ukendt værdi: %(value)s.") % {"value": payload.need})
    if payload.organisation is None:
        organisation = user.organisation
        if organisation is None:
            refs.errors.setdefault("organisation", []).append(_("Angiv hvilken organisation matchet registreres for."))
    refs.check()
    with acting_as(user), transaction.atomic():
        company, _created = company_from_payload(payload.company)
        result = match_register(
            user=user,
            organisation=organisation,
            data=MatchData(
                company=company,
                match_type=match_type,
                start_date=payload.start_date,
                education_level=level,
                municipality=municipality,
                institution=payload.institution,
                education=payload.education,
                person_identifier=payload.person_identifier,
                person_name=payload.person_name,
                person_email=payload.person_email,
                person_consent=payload.person_consent,
                activity=payload.activity,
                activity_note=payload.activity_note,
                contributors=contributors,
                need=need,
                reference=payload.reference,
            ),
        )
    match = _get_match(user, result.match.pk)
    _with_etag(response, match)
    return Status(201, {"merged": result.merged, "match": match})


@router.patch("/{match_id}", response={200: MatchOut, **ERRORS}, summary="Edit a match")
def match_edit(request: HttpRequest, match_id: int, payload: MatchUpdateIn, response: HttpResponse):
    """Send only the fields to change, and the `version` you read (or an If-Match header). If someone
    else saved the match in between, the answer is 409 and nothing is changed. Editing a verified
    match sets it back to registered, to be verified again."""
    user = current_user(request)
    require_individual_access(user)
    match = _get_match(user, match_id)
    version = version_from(request, payload.version)
    if version is None:
        raise ValidationFailed(
            _("Angiv den version af matchet, du har læst (feltet version eller headeren If-Match)."),
            code="version_required",
            details={"version": [_("Feltet skal udfyldes.")]},
        )
    sent = payload.model_dump(exclude_unset=True, exclude={"version", "company"})
    refs = References()
    changes: dict[str, Any] = {}
    for field, value in sent.items():
        if value is None and field == "person_consent":
            continue
        if value is None:
            refs.errors.setdefault(field, []).append(_("Feltet kan ikke tømmes."))
        elif field == "match_type":
            changes[field] = refs.get(MatchType, field, value)
        elif field == "education_level":
            changes[field] = refs.get(EducationLevel, field, value.upper())
        elif field == "municipality":
            changes[field] = refs.get(Municipality, field, value)
        else:
            changes[field] = value
    refs.check()
    with acting_as(user), transaction.atomic():
        if payload.company is not None:
            changes["company"], _created = company_from_payload(payload.company)
        match_update(user=user, match=match, version=version, changes=changes)
    return _with_etag(response, _get_match(user, match_id))


@router.post("/{match_id}/verify", response={200: MatchOut, **ERRORS}, summary="Verify a match (partner lead)")
def match_verify_endpoint(request: HttpRequest, match_id: int, response: HttpResponse, payload: VerifyIn | None = None):
    user = current_user(request)
    require_individual_access(user)
    match = _get_match(user, match_id)
    version = version_from(request, payload.version if payload else None)
    with acting_as(user):
        match_verify(user=user, match=match, version=match.version if version is None else version)
    return _with_etag(response, _get_match(user, match_id))


@router.post("/{match_id}/reject", response={200: MatchOut, **ERRORS}, summary="Reject a match (partner lead)")
def match_reject_endpoint(request: HttpRequest, match_id: int, payload: RejectIn, response: HttpResponse):
    user = current_user(request)
    require_individual_access(user)
    match = _get_match(user, match_id)
    version = version_from(request, payload.version)
    with acting_as(user):
        match_reject(
            user=user, match=match, version=match.version if version is None else version, reason=payload.reason
        )
    return _with_etag(response, _get_match(user, match_id))
