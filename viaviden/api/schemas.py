"""Input and output schemas of the API. Field names are English identifiers; dates are ISO 8601;
reference data is referred to by its stable code (municipality "851", match type "ordinary_job",
education level "LVU", industry "J") and organisations by slug."""

import datetime as dt
import re
from typing import Annotated, Any, Literal

from ninja import Field, FilterLookup, FilterSchema, Schema
from pydantic import BeforeValidator, ConfigDict, WithJsonSchema
from pydantic_core import PydanticCustomError

from viaviden.core.models import LONG_TEXT_MAX_LENGTH
from viaviden.matches.models import Activity, Match

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    """Only ISO 8601 dates: pydantic would read a number ("0") as a Unix timestamp (1970-01-01)."""
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise PydanticCustomError("date_parsing", "Input should be a valid date in the format YYYY-MM-DD")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


def choice(choices: Any, name: str) -> Any:
    """A field of a Django choices enum, published as its own named enum with exactly its values.
    (Several models have a `Status`; as plain enums they would share one schema component, and the
    published values would be the last one's.)"""
    return Annotated[choices, WithJsonSchema({"title": name, "type": "string", "enum": [str(c.value) for c in choices]})]


class InputSchema(Schema):
    """Unknown fields are an error, so a misspelt field is not silently ignored. No text is longer than
    the longest free-text field of the models (fields with their own limit declare it)."""

    model_config = ConfigDict(extra="forbid", str_max_length=LONG_TEXT_MAX_LENGTH)


class ErrorOut(Schema):
    code: str = Field(..., examples=["validation_error"])
    message: str = Field(..., examples=["Ugyldige data. Se detaljerne for de enkelte felter."])
    details: Any = None


# --- Organisations ---------------------------------------------------------------------------


class OrganisationOut(Schema):
    id: int
    slug: str
    name: str
    short_name: str
    kind: str
    parent: str | None = Field(None, description="Slug of the parent organisation.")
    partner: str = Field(..., description="Slug of the partner the organisation's matches count for.")
    municipality: str | None = Field(None, description="Municipality code.")
    target_part: str
    is_project_partner: bool
    active: bool

    @staticmethod
    def resolve_parent(obj) -> str | None:
        return obj.parent.slug if obj.parent_id else None

    @staticmethod
    def resolve_partner(obj) -> str:
        # The rollup stops at a municipality, so jobcentre -> municipality is one select_related step;
        # a unit (e.g. the Central Matching Unit) needs parent__parent, also selected.
        return obj.partner.slug

    @staticmethod
    def resolve_municipality(obj) -> str | None:
        return obj.municipality_id


class OrganisationFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup(["name__icontains", "short_name__icontains", "slug__icontains"])] = None
    kind: str | None = None
    municipality: Annotated[str | None, FilterLookup("municipality_id")] = None
    is_project_partner: bool | None = None


class OrgRef(Schema):
    id: int
    slug: str
    name: str


# --- Companies -------------------------------------------------------------------------------


class ProductionUnitOut(Schema):
    id: int
    p_number: str = Field(..., description="P-number (10 digits) or empty.")
    name: str
    address: str
    postal_code: str
    city: str
    municipality: str = Field(..., description="Municipality code of the address.")
    municipality_name: str
    is_primary: bool

    @staticmethod
    def resolve_municipality(obj) -> str:
        return obj.municipality_id

    @staticmethod
    def resolve_municipality_name(obj) -> str:
        return obj.municipality.name


class CompanyOut(Schema):
    cvr: str
    name: str
    municipality: str = Field(..., description="Municipality code of the workplace.")
    municipality_name: str
    industry: str | None = Field(None, description="DB07 section (A–U).")
    size_class: str | None = None
    has_highly_educated_staff: bool | None = Field(
        None, description="Whether the company has highly educated staff today; null when not known."
    )
    version: int = Field(..., description="Send it back with PATCH (optimistic locking).")
    units: list[ProductionUnitOut] = Field(..., description="Production units, the main workplace first.")
    is_synthetic: bool

    @staticmethod
    def resolve_municipality(obj) -> str:
        return obj.municipality_id

    @staticmethod
    def resolve_municipality_name(obj) -> str:
        return obj.municipality.name

    @staticmethod
    def resolve_industry(obj) -> str | None:
        return obj.industry_id

    @staticmethod
    def resolve_size_class(obj) -> str | None:
        return obj.size_class_id

    @staticmethod
    def resolve_units(obj) -> list:
        return list(obj.units.all())


class CompanyFilter(Schema):
    """Query parameters of GET /api/companies (companies.selectors.company_filter, as the web list)."""

    q: str | None = Field(None, description="Name (contains), CVR number or P-number (prefix).")
    cvr: str | None = Field(None, description="Exact CVR number; a merged record's number finds its company.")
    municipality: str | None = Field(None, description="Municipality code of the company or one of its units.")
    industry: str | None = Field(None, description="DB07 section (A–U).")
    size_class: str | None = None
    has_highly_educated_staff: bool | None = None


class CompanyIn(InputSchema):
    cvr: str = Field(
        ..., description="CVR number (8 digits; spaces and a DK prefix are ignored).", examples=["12345674"]
    )
    name: str = Field("", max_length=200, description="Required when the company is not yet registered.")
    municipality: str | None = Field(
        None, description="Municipality code of the workplace; required for a new company."
    )
    industry: str | None = Field(None, description="DB07 section (A–U).")
    size_class: str | None = None
    has_highly_educated_staff: bool | None = Field(
        None, description="Set on a new company, or on a known one where it is not known yet."
    )


class CompanyUpdateIn(InputSchema):
    version: int | None = Field(None, description="The version you read; or send it as If-Match.")
    name: str | None = Field(None, max_length=200)
    municipality: str | None = Field(None, description="Municipality code of the workplace.")
    industry: str | None = Field(None, description="DB07 section (A–U); null clears it.")
    size_class: str | None = Field(None, description="null clears it.")
    has_highly_educated_staff: bool | None = Field(None, description="null: not known.")


class ProductionUnitIn(InputSchema):
    address: str = Field(..., max_length=200)
    postal_code: str = Field(..., max_length=4, description="Must be a postal code of the region's municipalities.")
    city: str = Field("", max_length=100)
    municipality: str | None = Field(
        None, description="Municipality code; only needed when the postal code lies in several municipalities."
    )
    p_number: str = Field("", max_length=10, description="P-number, 10 digits.")
    name: str = Field("", max_length=200)
    is_primary: bool = False


# --- Matches ---------------------------------------------------------------------------------


class CompanyRef(Schema):
    cvr: str
    name: str


class ContributionOut(Schema):
    organisation: str = Field(..., description="Organisation slug.")
    name: str
    role: str

    @staticmethod
    def resolve_organisation(obj) -> str:
        return obj.organisation.slug

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.organisation.name


class MatchOut(Schema):
    id: int
    version: int = Field(..., description="Send it back with PATCH, verify and reject (optimistic locking).")
    programme: str
    company: CompanyRef
    municipality: str = Field(..., description="Municipality code of the workplace.")
    municipality_name: str
    match_type: str
    start_date: IsoDate
    education_level: str
    institution: str
    education: str
    person_name: str | None = Field(None, description="Only stored with the person's consent.")
    person_email: str | None = Field(None, description="Only stored with the person's consent.")
    person_consent_at: dt.datetime | None = None
    pseudonymous_key: bool = Field(..., description="Whether a pseudonymous person key was given.")
    registering_org: OrgRef
    partner: str = Field(..., description="Slug of the partner the match counts for.")
    contributions: list[ContributionOut]
    activity: str
    activity_note: str
    status: str
    rejection_reason: str
    verified_at: dt.datetime | None
    possible_duplicate_of: int | None
    outside_aalborg: bool
    project_year: int = Field(..., description="Calendar year in which the project year starts (2020 = 2020/21).")
    half_year: str = Field(..., examples=["2021-H1"])
    target_part: str
    is_synthetic: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_programme(obj) -> str:
        return obj.programme.slug

    @staticmethod
    def resolve_municipality(obj) -> str:
        return obj.municipality_id

    @staticmethod
    def resolve_municipality_name(obj) -> str:
        return obj.municipality.name

    @staticmethod
    def resolve_match_type(obj) -> str:
        return obj.match_type_id

    @staticmethod
    def resolve_education_level(obj) -> str:
        return obj.education_level_id

    # Person data leaves the platform only for users who may see the match. Every endpoint hands out
    # matches from visible_matches(), and marks them with `person_visible`; anything else is blanked.
    @staticmethod
    def resolve_person_name(obj) -> str | None:
        return (obj.person_name or None) if getattr(obj, "person_visible", False) else None

    @staticmethod
    def resolve_person_email(obj) -> str | None:
        return (obj.person_email or None) if getattr(obj, "person_visible", False) else None

    @staticmethod
    def resolve_person_consent_at(obj) -> dt.datetime | None:
        return obj.person_consent_at if getattr(obj, "person_visible", False) else None

    @staticmethod
    def resolve_pseudonymous_key(obj) -> bool:
        return bool(obj.person_key)

    @staticmethod
    def resolve_partner(obj) -> str:
        return obj.partner.slug

    @staticmethod
    def resolve_contributions(obj) -> list:
        return list(obj.contributions.all())

    @staticmethod
    def resolve_possible_duplicate_of(obj) -> int | None:
        return obj.possible_duplicate_of_id


class MatchFilter(Schema):
    """Query parameters of GET /api/matches; applied by matches.selectors.filter_matches, the same
    filters as the web list."""

    municipality: str | None = Field(None, description="Municipality code of the workplace.")
    partner: str | None = Field(None, description="Id or slug of the partner the match counts for.")
    registering_org: str | None = Field(None, description="Id or slug of the registering organisation.")
    contributor: str | None = Field(
        None, description="Id or slug of an organisation that registered or contributed to the match."
    )
    contributor_role: Literal["registered", "contributed"] | None = Field(
        None, description="With contributor: only the matches it registered, or only those it contributed to."
    )
    match_type: str | None = None
    level: str | None = Field(None, description="Education level: KVU, MVU or LVU.")
    project_year: int | None = None
    half_year: str | None = Field(None, examples=["2021-H1"])
    status: choice(Match.Status, "MatchStatus") | None = None
    activity: Activity | None = None
    start_date_from: IsoDate | None = None
    start_date_to: IsoDate | None = None
    company_cvr: str | None = None
    outside_aalborg: bool | None = None
    target_part: str | None = Field(None, description="municipal, partner or none.")
    programme: str | None = None


class MatchCreateIn(InputSchema):
    company: CompanyIn
    match_type: str = Field(..., examples=["ordinary_job"])
    start_date: IsoDate
    education_level: str = Field(..., examples=["LVU"], description="KVU, MVU or LVU.")
    municipality: str | None = Field(
        None, description="Workplace municipality code; defaults to the company's municipality."
    )
    institution: str = Field("", max_length=200)
    education: str = Field("", max_length=200)
    person_identifier: str = Field(
        "",
        max_length=200,
        description="An identifier of the person you know (e-mail or your own id). Only a keyed hash is "
        "stored; it finds duplicates across partners.",
    )
    person_name: str = Field("", max_length=200, description="Only with the person's consent.")
    person_email: str = Field("", max_length=254, description="Only with the person's consent.")
    person_consent: bool = False
    activity: Activity = Activity.COMPANY_CONTACT
    activity_note: str = Field("", max_length=200)
    organisation: str | None = Field(None, description="Slug of the registering organisation; defaults to your own.")
    contributors: list[str] = Field(default_factory=list, description="Slugs of contributing organisations.")
    reference: str = Field(
        "", max_length=40, examples=["VP-00012"],
        description="Required for match type ordinary_job_vaekstpilot: the reference of its granted Vækstpilot "
        "application (same company). A match of that type without one is refused (422).",
    )


class MatchRegisterOut(Schema):
    merged: bool = Field(
        ...,
        description="True when the match already existed (same person, company and "
        "type within the window); you were added as a contributor.",
    )
    match: MatchOut


class MatchUpdateIn(InputSchema):
    version: int | None = Field(None, description="The version you read; or send it as If-Match.")
    company: CompanyIn | None = None
    match_type: str | None = None
    start_date: IsoDate | None = None
    education_level: str | None = None
    municipality: str | None = None
    institution: str | None = Field(None, max_length=200)
    education: str | None = Field(None, max_length=200)
    person_name: str | None = Field(None, max_length=200)
    person_email: str | None = Field(None, max_length=254)
    person_consent: bool | None = None
    activity: Activity | None = None
    activity_note: str | None = Field(None, max_length=200)


class VerifyIn(InputSchema):
    version: int | None = Field(None, description="The version you read; defaults to the current one.")


class RejectIn(InputSchema):
    version: int | None = Field(None, description="The version you read; defaults to the current one.")
    reason: str = Field(..., max_length=2000)


# --- Targets ---------------------------------------------------------------------------------


class BasisOut(Schema):
    label: str | None
    kind: str | None
    is_proxy: bool | None
    source: str | None
    year: int | None


class MunicipalTargetOut(Schema):
    code: str
    name: str
    basis: int
    target: int
    computed: int
    overridden: bool
    excluded: bool


class PartnerTargetOut(Schema):
    slug: str
    name: str
    basis: int
    target: int
    computed: int
    overridden: bool


class TargetsOut(Schema):
    programme: str
    name: str
    start_date: IsoDate
    end_date: IsoDate
    total: int
    municipal_total: int
    partner_total: int
    municipal_sum: int
    partner_sum: int
    basis: BasisOut
    municipalities: list[MunicipalTargetOut]
    partners: list[PartnerTargetOut]
    partner_split_note: str


# --- Progress --------------------------------------------------------------------------------


class ProgressRowOut(Schema):
    """One line of a progress table. `params` are the /api/matches filters that list the matches behind
    the numbers; some tables add columns (e.g. `excluded` for municipalities, `group` for match types)."""

    model_config = ConfigDict(extra="allow")

    key: int | str
    label: str
    target: int | None
    registered: int
    verified: int
    actual: int = Field(..., description="Registered + verified (rejected matches do not count).")
    expected: int | None = Field(..., description="Where a linear pace towards the target would be today.")
    pct: float | None = Field(..., description="Actual as a percentage of the target.")
    required_per_month: float | None = Field(..., description="Matches per month needed to reach the target.")
    projection: int | None = Field(None, description="At the rate so far (per elapsed day), the actual at the end "
                                   "of the row's span (the period, or the project year or half-year); none "
                                   "without a target.")
    on_track: bool | None
    share: float = Field(..., description="Percentage of all counted matches in the table.")
    params: dict[str, Any]
    slug: str | None = Field(None, description="Partners: the organisation's slug (the status report's key).")


class ActivityYearOut(Schema):
    year: int = Field(..., description="Project year by its first calendar year (2020 = 2020/21).")
    label: str
    target: int
    actual: float | None
    share: float | None
    met: bool | None
    elapsed: bool = Field(..., description="The project year has begun on the as-of date.")


class ActivityProgressOut(Schema):
    """One activity target and its figure from its one measure (docs/reports.md, "Figures and their sources")."""

    id: int
    code: str
    title: str
    organisation: str | None = Field(None, description="Organisation slug.")
    organisation_name: str | None
    partner: str | None = Field(None, description="Slug of the partner the target is measured for.")
    unit: str
    unit_label: str
    measure: str = Field(..., description="How it is measured: matches, vaekstpilot_granted, vaekstpilot_started, "
                         "vaekstpilot_retention, knowledge_share, events_held, event_participants, case_coverage, "
                         "cohort_in_work or registrations (manual).")
    source_label: str = Field(..., description="The measure in words.")
    source: str = Field(..., description="Section of the project description the target comes from.")
    target: int
    target_max: int | None
    actual: float | None = Field(..., description="None when the platform cannot measure it yet. For a "
                                 "per-project-year target: the project year of the as-of date.")
    share: float | None = Field(..., description="Actual as a percentage of the target.")
    numerator: int | None = Field(None, description="For percentages: the count behind it (e.g. 9 of …).")
    denominator: int | None = Field(None, description="For percentages: what it is a share of.")
    measured: bool
    note: str
    per_project_year: bool
    current_year: str | None
    years: list[ActivityYearOut]


class ActivityTargetIn(Schema):
    value: int | None = Field(None, ge=0)
    value_max: int | None = Field(None, ge=0)
    per_project_year: bool | None = None
    years: list[int] | None = Field(None, description="Project years (first calendar year); empty = all.")
    title_da: str | None = Field(None, max_length=300)
    title_en: str | None = Field(None, max_length=300)


class ProgressOut(Schema):
    programme: str
    as_of: dt.date = Field(..., description="The cut-off the figures are computed for.")
    today: dt.date = Field(..., description="The same as as_of (kept for existing clients).")
    period: dict[str, Any]
    pace: dict[str, Any] = Field(..., description="Expected to date at an even pace, on track, required per month.")
    projection: dict[str, Any] = Field(..., description="At the rate so far: the total at the period end.")
    totals: ProgressRowOut
    parts: list[ProgressRowOut]
    outside_aalborg: dict[str, Any]
    target_sums: dict[str, int]
    municipalities: list[ProgressRowOut]
    partners: list[ProgressRowOut]
    match_types: list[ProgressRowOut]
    levels: list[ProgressRowOut]
    half_years: list[ProgressRowOut]
    project_years: list[ProgressRowOut]
    activities: list[ActivityProgressOut]
