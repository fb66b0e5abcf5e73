"""Writes for bourses (SPEC 3.4, issue 5): cases submitted by companies or by partner staff on their behalf,
review, participant and group registration, rankings (on the platform or uploaded from a spreadsheet), the
companies' ranks and vetoes, solver runs, locks, and the confirmation that turns the accepted assignment into
registered matches.

Deadlines: `Event.case_deadline` closes the public case form (partner staff may still add cases);
`Event.preference_deadline` closes participant registration and ranking on the platform (staff may still
upload preferences). Once an assignment is confirmed, nothing that feeds it can change.

The solver is `viaviden.assignment` (docs/assignment.md); `bourse_selectors.build_instance` turns the database
into its instance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from viaviden import assignment as A
from viaviden.assignment.cli import summary_text
from viaviden.candidates.models import StudyProgramme
from viaviden.companies.cvr import normalise_cvr, validate_cvr
from viaviden.companies.models import Company
from viaviden.companies.selfservice import municipality_for_postal_code
from viaviden.companies.services import company_get_or_create
from viaviden.core.errors import Conflict, Forbidden, ValidationFailed
from viaviden.core.mail import send_email
from viaviden.core.tabular import (
    FileUnreadable,
    RowError,
    blank,
    cell_text,
    extra_cells_error,
    intlike,
    map_header,
    read_bytes,
    read_table,
)
from viaviden.matches.models import Activity, Match
from viaviden.matches.permissions import can_see_individual_matches
from viaviden.matches.services import MatchData, match_register
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import EducationLevel, MatchType, Municipality

from .bourse_selectors import (
    build_instance,
    can_confirm_bourse,
    confirmed_run,
    snapshot_fingerprint,
)
from .models import (
    CONSENT_TEXT_VERSION,
    AssignmentLock,
    BourseCase,
    BourseParticipant,
    BourseRun,
    CollaborationKind,
    CompanyPreference,
    Event,
    Preference,
)
from .selectors import can_manage_event
from .services import site_url
from .surveys import survey_create_for_collaboration

MAX_MEMBERS = 8  # the largest study group the registration form takes
MAX_IMPORT_ERRORS = 500


def _when(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%d-%m-%Y kl. %H:%M")


def _fail(errors: dict[str, list[str]], code: str) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, code=code, details=errors)


def _full_clean(obj, code: str, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        details = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": list(exc.messages)}
        _fail(details, code)


def _mail(subject: str, template: str, context: dict[str, Any], recipient: str) -> None:
    """Render now (Danish), send after commit."""
    if not recipient:
        return
    with translation.override("da"):
        body = render_to_string(template, context)
    send_email(to=recipient, subject=subject, body=body, language="da")


def _require_manage(user: User, event: Event) -> None:
    if not can_manage_event(user, event):
        raise Forbidden(_("Kun arrangørerne af børsen og koordinatorer kan gøre dette."), code="forbidden")


def _require_not_confirmed(event: Event) -> None:
    if confirmed_run(event) is not None:
        raise ValidationFailed(
            _("Fordelingen på børsen er godkendt, så cases, prioriteter og låse kan ikke længere ændres."),
            code="bourse_confirmed",
        )


def _locked_event(event: Event) -> Event:
    """Serialise writes that feed one bourse's assignment (rankings, locks, runs, confirmation)."""
    return Event.objects.select_for_update().get(pk=event.pk)


# --- Cases ------------------------------------------------------------------------------------------


@dataclass
class CaseData:
    """A case as entered on the public form, by staff, or through the API."""

    title: str
    challenge: str
    collaboration_kind: str
    capacity: int
    min_group_size: int = 1
    max_group_size: int | None = None
    level_codes: list[str] = field(default_factory=list)
    programme_slugs: list[str] = field(default_factory=list)
    timing: str = ""
    location_municipality: Municipality | None = None
    submitter_name: str = ""
    submitter_email: str = ""
    submitter_phone: str = ""


def case_errors(data: CaseData) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not data.title.strip():
        errors["title"] = [_("Skriv en overskrift for casen.")]
    if not data.challenge.strip():
        errors["challenge"] = [_("Beskriv udfordringen.")]
    if data.collaboration_kind not in CollaborationKind.values:
        errors["collaboration_kind"] = [_("Vælg en samarbejdsform.")]
    if data.capacity is None or data.capacity < 1:
        errors["capacity"] = [_("Antal studerende skal være mindst 1.")]
    if data.min_group_size is None or data.min_group_size < 1:
        errors["min_group_size"] = [_("Mindste gruppestørrelse skal være mindst 1.")]
    elif data.capacity and data.min_group_size > data.capacity:
        errors["min_group_size"] = [_("Mindste gruppestørrelse kan ikke være større end antal studerende.")]
    if data.max_group_size is not None:
        if data.min_group_size and data.max_group_size < data.min_group_size:
            errors["max_group_size"] = [_("Største gruppestørrelse kan ikke være mindre end den mindste.")]
        elif data.capacity and data.max_group_size > data.capacity:
            errors["max_group_size"] = [_("Største gruppestørrelse kan ikke være større end antal studerende.")]
    return errors


def _case_references(data: CaseData, errors: dict[str, list[str]]):
    levels = list(EducationLevel.objects.filter(code__in=set(data.level_codes)))
    if len(levels) != len(set(data.level_codes)):
        errors["level_codes"] = [_("Ukendt uddannelsesniveau.")]
    programmes = list(StudyProgramme.objects.filter(slug__in=set(data.programme_slugs)))
    if len(programmes) != len(set(data.programme_slugs)):
        errors["programme_slugs"] = [_("Ukendt uddannelse.")]
    return levels, programmes


def _case_save(case: BourseCase, data: CaseData, levels, programmes) -> BourseCase:
    case.title = data.title.strip()
    case.challenge = data.challenge.strip()
    case.collaboration_kind = data.collaboration_kind
    case.capacity = data.capacity
    case.min_group_size = data.min_group_size
    case.max_group_size = data.max_group_size
    case.timing = data.timing.strip()
    case.location_municipality = data.location_municipality
    case.submitter_name = data.submitter_name.strip()
    case.submitter_email = data.submitter_email.strip().lower()
    case.submitter_phone = data.submitter_phone.strip()
    _full_clean(case, "invalid_case")
    case.save()
    case.wished_levels.set(levels)
    case.wished_programmes.set(programmes)
    return case


def case_status_url(case: BourseCase) -> str:
    return site_url(reverse("bourse_company_page", args=[case.token]))


def _send_case_receipt(case: BourseCase) -> None:
    _mail(
        _("Jeres case til %(event)s") % {"event": case.event.title},
        "events/bourse/email/case_receipt.txt",
        {"case": case, "event": case.event, "company_name": case.company.name, "url": case_status_url(case)},
        case.submitter_email,
    )


def bourse_case_submit_public(
    *,
    event: Event,
    cvr: str,
    company_name: str,
    postal_code: str,
    municipality_code: str | None = None,
    data: CaseData,
    consent: bool,
    now: dt.datetime | None = None,
) -> BourseCase:
    """A company submits a case on the public form (status SUBMITTED, to be reviewed by the organisers) and
    receives its private link (status, and later ranking or vetoing the applicants) by e-mail."""
    now = now or timezone.now()
    if event.status != Event.Status.PUBLISHED or not event.is_bourse:
        raise ValidationFailed(_("Børsen tager ikke imod cases."), code="bourse_closed")
    if event.case_deadline and now > event.case_deadline:
        raise ValidationFailed(
            _("Fristen for at indsende cases til %(event)s var %(when)s. Kontakt arrangøren, hvis I stadig vil "
              "være med.") % {"event": event.title, "when": _when(event.case_deadline)},
            code="case_deadline_passed",
        )
    errors = case_errors(data)
    try:
        validate_cvr(normalise_cvr(cvr))
    except ValidationError as exc:
        errors["cvr"] = list(exc.messages)
    if not (company_name or "").strip():
        errors["company_name"] = [_("Skriv virksomhedens navn.")]
    if not data.submitter_name.strip():
        errors["submitter_name"] = [_("Skriv dit navn.")]
    if not data.submitter_email.strip():
        errors["submitter_email"] = [_("Skriv din e-mailadresse.")]
    if not consent:
        errors["consent"] = [_("Du skal give samtykke til, at vi gemmer dine kontaktoplysninger.")]
    municipality = None
    try:
        municipality = municipality_for_postal_code(postal_code=postal_code, municipality_code=municipality_code)
    except ValidationFailed as exc:
        errors.update(exc.details or {"postal_code": [str(exc.message)]})
    levels, programmes = _case_references(data, errors)
    _fail(errors, "invalid_case")
    with transaction.atomic():
        company, _created = company_get_or_create(cvr=cvr, name=company_name.strip(), municipality=municipality)
        while company.merged_into_id is not None:
            company = Company.objects.get(pk=company.merged_into_id)
        case = BourseCase(event=event, company=company, status=BourseCase.Status.SUBMITTED)
        case = _case_save(case, replace(data, location_municipality=data.location_municipality or municipality),
                          levels, programmes)
        _send_case_receipt(case)
    return case


def bourse_case_submit_staff(
    *, user: User, event: Event, company: Company, data: CaseData, organisation: Organisation | None = None,
    publish: bool = False,
) -> BourseCase:
    """Partner staff submit a case on a company's behalf (their organisation is the helping partner).
    Organisers and coordinators may publish it at once. The case deadline does not apply to staff."""
    if not can_see_individual_matches(user):
        raise Forbidden(_("Du har ikke adgang til at indsende cases."), code="forbidden")
    if not event.is_bourse or event.status in (Event.Status.CANCELLED, Event.Status.HELD):
        raise ValidationFailed(_("Børsen tager ikke imod cases."), code="bourse_closed")
    if publish and not can_manage_event(user, event):
        raise Forbidden(_("Kun arrangørerne af børsen og koordinatorer kan offentliggøre cases."), code="forbidden")
    errors = case_errors(data)
    levels, programmes = _case_references(data, errors)
    _fail(errors, "invalid_case")
    with transaction.atomic():
        case = BourseCase(
            event=event, company=company, organisation=organisation or user.organisation, submitted_by=user,
            status=BourseCase.Status.PUBLISHED if publish else BourseCase.Status.SUBMITTED,
        )
        case = _case_save(case, replace(data, location_municipality=data.location_municipality or company.municipality),
                          levels, programmes)
        _send_case_receipt(case)
    return case


REVIEW_STATUSES = (
    BourseCase.Status.SUBMITTED,
    BourseCase.Status.PUBLISHED,
    BourseCase.Status.REJECTED,
    BourseCase.Status.WITHDRAWN,
)


@transaction.atomic
def bourse_case_set_status(*, user: User, case: BourseCase, status: str, version: int | None) -> BourseCase:
    """Review: publish, reject or withdraw a case (or send it back to 'submitted'). Only the organisers and
    coordinators; not once the assignment is confirmed."""
    _require_manage(user, case.event)
    if status not in REVIEW_STATUSES:
        raise ValidationFailed(_("Ukendt status."), code="invalid_status", details={"status": [_("Ukendt status.")]})
    _require_not_confirmed(case.event)
    current = BourseCase.objects.select_for_update().get(pk=case.pk)
    if version is not None and current.version != version:
        raise Conflict(_("Casen er blevet ændret af en anden, siden du åbnede den. Genindlæs og prøv igen."))
    current.status = status
    current.version += 1
    current.save(update_fields=["status", "version", "updated_at"])
    return current


# --- Participants -----------------------------------------------------------------------------------


def registration_open(event: Event, *, now: dt.datetime | None = None) -> tuple[bool, str]:
    """Whether participants can register and rank now; if not, why (Danish)."""
    now = now or timezone.now()
    if not event.is_bourse or event.status != Event.Status.PUBLISHED:
        return False, _("Børsen er ikke åben for tilmelding.")
    if confirmed_run(event) is not None:
        return False, _("Fordelingen på børsen er godkendt, så prioriteterne kan ikke længere ændres.")
    if event.preference_deadline and now > event.preference_deadline:
        return False, _(
            "Fristen for at tilmelde sig og prioritere cases var %(when)s. Kontakt arrangøren, hvis du har "
            "brug for at ændre noget."
        ) % {"when": _when(event.preference_deadline)}
    return True, ""


def _clean_members(members: list[dict[str, Any]], errors: dict[str, list[str]]) -> list[dict[str, str]]:
    levels = set(EducationLevel.objects.values_list("code", flat=True))
    slugs = {str(m.get("programme") or "").strip() for m in members} - {""}
    known = set(StudyProgramme.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    cleaned: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, m in enumerate(members, start=1):
        name = str(m.get("name") or "").strip()
        email = str(m.get("email") or "").strip().lower()
        level = str(m.get("level") or "").strip().upper()
        programme = str(m.get("programme") or "").strip()
        key = f"member_{i}"
        problems = []
        if not name:
            problems.append(_("Skriv navnet."))
        if not email:
            problems.append(_("Skriv e-mailadressen."))
        else:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(_("Skriv en gyldig e-mailadresse."))
            if email in seen:
                problems.append(_("Den samme e-mailadresse står flere gange."))
            seen.add(email)
        if level not in levels:
            problems.append(_("Vælg uddannelsesniveau (KVU, MVU eller LVU)."))
        if programme and programme not in known:
            problems.append(_("Ukendt uddannelse."))
        if problems:
            errors[key] = problems
        cleaned.append({"name": name, "email": email, "level": level, "programme": programme})
    return cleaned


def _size_fits(case: BourseCase, size: int) -> bool:
    return case.min_group_size <= size <= min(case.capacity, case.max_group_size or case.capacity)


def _size_text(case: BourseCase) -> str:
    top = min(case.capacity, case.max_group_size or case.capacity)
    if case.min_group_size == top:
        return _("præcis %(n)d") % {"n": top}
    return _("%(low)d–%(high)d") % {"low": case.min_group_size, "high": top}


def participant_login_url(participant: BourseParticipant) -> str:
    return site_url(reverse("bourse_participant_login", args=[participant.token]))


def bourse_participant_register(
    *,
    event: Event,
    kind: str,
    name: str,
    members: list[dict[str, Any]],
    consent: bool,
    candidate=None,
    now: dt.datetime | None = None,
) -> BourseParticipant:
    """Register a student or a study group for a bourse (before the preference deadline). Members: name,
    e-mail, level (KVU/MVU/LVU) and optionally a study programme (slug). The group's size is its number of
    members and must fit at least one published case. The contact (first member) gets the private link."""
    is_open, why = registration_open(event, now=now)
    if not is_open:
        raise ValidationFailed(why, code="registration_closed")
    errors: dict[str, list[str]] = {}
    if kind not in BourseParticipant.Kind.values:
        errors["kind"] = [_("Vælg enkeltperson eller gruppe.")]
    members = [m for m in members if any(str(v or "").strip() for v in m.values())]
    if not members:
        errors["member_1"] = [_("Udfyld mindst én deltager.")]
    elif kind == BourseParticipant.Kind.INDIVIDUAL and len(members) != 1:
        errors["kind"] = [_("En enkeltperson har præcis én deltager. Vælg gruppe, hvis I er flere.")]
    elif kind == BourseParticipant.Kind.GROUP and len(members) < 2:
        errors["kind"] = [_("En gruppe har mindst to medlemmer.")]
    elif len(members) > MAX_MEMBERS:
        errors["kind"] = [_("En gruppe kan højst have %(n)d medlemmer.") % {"n": MAX_MEMBERS}]
    cleaned = _clean_members(members, errors)
    if kind == BourseParticipant.Kind.GROUP and not (name or "").strip():
        errors["name"] = [_("Giv gruppen et navn.")]
    if not consent:
        errors["consent"] = [_("Du skal give samtykke, før vi kan gemme tilmeldingen.")]
    size = len(cleaned)
    cases = list(event.bourse_cases.filter(status=BourseCase.Status.PUBLISHED))
    if size and cases and not any(_size_fits(c, size) for c in cases):
        errors.setdefault("kind", []).append(
            _("Ingen af børsens cases tager grupper på %(n)d personer.") % {"n": size}
        )
    emails = {m["email"] for m in cleaned if m["email"]}
    if emails and not errors:
        taken = sorted(
            m.get("email", "")
            for p in event.bourse_participants.all()
            for m in [*p.members, {"email": p.contact_email}]
            if m.get("email", "").lower() in emails
        )
        if taken:
            errors["member_1"] = [
                _("%(email)s er allerede tilmeldt børsen. Brug linket i den e-mail, vi sendte ved tilmeldingen.")
                % {"email": taken[0]}
            ]
    _fail(errors, "invalid_participant")
    contact = cleaned[0]
    with transaction.atomic():
        participant = BourseParticipant(
            event=event,
            kind=kind,
            name=(name or "").strip() if kind == BourseParticipant.Kind.GROUP else contact["name"],
            members=cleaned,
            size=size,
            contact_email=contact["email"],
            candidate=candidate,
            consent_at=timezone.now(),
            consent_text_version=CONSENT_TEXT_VERSION,
        )
        _full_clean(participant, "invalid_participant")
        participant.save()
        _mail(
            _("Din tilmelding til %(event)s") % {"event": event.title},
            "events/bourse/email/participant_link.txt",
            {"participant": participant, "event": event, "url": participant_login_url(participant),
             "max_choices": event.max_ranked_choices,
             "deadline": _when(event.preference_deadline) if event.preference_deadline else ""},
            participant.contact_email,
        )
    return participant


def bourse_preferences_set(
    *, participant: BourseParticipant, case_ids: list[int], now: dt.datetime | None = None,
    staff_user: User | None = None,
) -> list[Preference]:
    """The participant's ranking, best first (replaces the previous one). Up to `max_ranked_choices`
    published cases of the bourse, each once, each accepting the group's size. Before the preference
    deadline (staff who manage the bourse may change it after the deadline, until it is confirmed)."""
    event = participant.event
    if staff_user is not None:
        _require_manage(staff_user, event)
        _require_not_confirmed(event)
    else:
        is_open, why = registration_open(event, now=now)
        if not is_open:
            raise ValidationFailed(why, code="deadline_passed")
    errors: list[str] = []
    if len(case_ids) > event.max_ranked_choices:
        errors.append(_("Du kan højst prioritere %(n)d cases.") % {"n": event.max_ranked_choices})
    if len(set(case_ids)) != len(case_ids):
        errors.append(_("Du har valgt den samme case flere gange. Vælg forskellige cases."))
    cases = {c.pk: c for c in event.bourse_cases.filter(pk__in=case_ids, status=BourseCase.Status.PUBLISHED)}
    for cid in case_ids:
        case = cases.get(cid)
        if case is None:
            errors.append(_("Casen findes ikke blandt børsens offentliggjorte cases."))
        elif not _size_fits(case, participant.size):
            errors.append(
                _("Casen »%(case)s« tager grupper på %(sizes)s personer; I er %(n)d.")
                % {"case": case.title, "sizes": _size_text(case), "n": participant.size}
            )
    if errors:
        raise ValidationFailed(errors[0], code="invalid_preferences", details={"cases": errors})
    with transaction.atomic():
        _locked_event(event)
        Preference.objects.filter(participant=participant).delete()
        prefs = Preference.objects.bulk_create(
            [Preference(participant=participant, case_id=cid, rank=i) for i, cid in enumerate(case_ids, start=1)]
        )
        BourseParticipant.objects.filter(pk=participant.pk).update(version=participant.version + 1,
                                                                     updated_at=timezone.now())
        participant.version += 1
    return prefs


# --- Preferences from a spreadsheet -----------------------------------------------------------------

PREFERENCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "deltager": ("deltager", "navn", "gruppe", "gruppenavn", "participant", "name"),
    "email": ("email", "e_mail", "mail", "kontakt_email", "contact_email"),
    "stoerrelse": ("stoerrelse", "størrelse", "antal", "antal_personer", "size"),
    "prioritet": ("prioritet", "rang", "rank"),
    "case": ("case", "case_nr", "casenr", "case_id"),
    "niveau": ("niveau", "uddannelsesniveau", "level"),
    "uddannelse": ("uddannelse", "programme", "program"),
}
PREFERENCE_REQUIRED = ("deltager", "email", "prioritet", "case", "niveau")
PREFERENCE_COLUMN_HELP = (
    ("deltager", _("Deltagerens navn eller gruppens navn."), True),
    ("email", _("Kontakt-e-mail. Den kender deltageren igen: samme e-mail på flere rækker er samme deltager."),
     True),
    ("stoerrelse", _("Antal personer i gruppen (1 for en enkeltperson; tom = 1)."), False),
    ("prioritet", _("1 for førstevalget, 2 for andetvalget osv., uden huller."), True),
    ("case", _("Casens nummer (står i caselisten) eller dens overskrift."), True),
    ("niveau", _("KVU, MVU eller LVU."), True),
    ("uddannelse", _("Uddannelsens kode (slug) eller navn, f.eks. datamatiker-ucn."), False),
)


@dataclass
class PreferenceImportResult:
    rows_total: int = 0
    participants_created: int = 0
    participants_updated: int = 0
    preferences: int = 0
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False

    def summary(self) -> str:
        if not self.committed:
            return _("Filen er ikke indlæst: %(n)d fejl. Intet er gemt.") % {"n": len(self.errors)}
        return _(
            "%(rows)d rækker indlæst: %(created)d nye deltagere, %(updated)d deltagere med nye prioriteter, "
            "%(prefs)d prioriteter i alt."
        ) % {"rows": self.rows_total, "created": self.participants_created, "updated": self.participants_updated,
             "prefs": self.preferences}


def _case_lookup(event: Event) -> tuple[dict[str, BourseCase], dict[str, list[BourseCase]]]:
    cases = list(event.bourse_cases.filter(status=BourseCase.Status.PUBLISHED))
    by_title: dict[str, list[BourseCase]] = {}
    for c in cases:
        by_title.setdefault(c.title.strip().casefold(), []).append(c)
    return {str(c.pk): c for c in cases}, by_title


def bourse_preferences_import(*, user: User, event: Event, path_or_file) -> PreferenceImportResult:
    """Preferences from CSV or XLSX, one row per ranked case (columns: PREFERENCE_COLUMNS). The whole file is
    checked first and every bad row is reported in Danish (unknown case, duplicate rank, a group over the
    size limit, …); with any error nothing is saved. New e-mail addresses become new participants; known ones
    get their ranking replaced."""
    _require_manage(user, event)
    _require_not_confirmed(event)
    result = PreferenceImportResult()
    try:
        data, filename = read_bytes(path_or_file)
        header, row_iter = read_table(data, filename)
        rows = list(row_iter)
    except FileUnreadable as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return result
    positions, _written, header_errors = map_header(header, rows, columns=PREFERENCE_COLUMNS,
                                                    required=PREFERENCE_REQUIRED)
    if header_errors:
        result.errors.extend(header_errors)
        return result
    by_id, by_title = _case_lookup(event)
    levels = set(EducationLevel.objects.values_list("code", flat=True))
    programmes = {p.slug.casefold(): p.slug for p in StudyProgramme.objects.only("slug")}
    programme_names: dict[str, set[str]] = {}
    for slug, name_da in StudyProgramme.objects.values_list("slug", "name_da"):
        programme_names.setdefault(name_da.strip().casefold(), set()).add(slug)
    existing = {p.contact_email.lower(): p for p in event.bourse_participants.all()}
    width = len(header)

    def cell(raw: list[Any], column: str) -> str:
        i = positions.get(column)
        return cell_text(raw[i]) if i is not None and i < len(raw) else ""

    @dataclass
    class Entry:
        name: str
        size: int
        level: str
        programme: str
        first_row: int
        ranks: dict[int, tuple[int, BourseCase]] = field(default_factory=dict)

    entries: dict[str, Entry] = {}
    errors = result.errors
    for offset, raw in enumerate(rows):
        rownum = offset + 2  # the header is row 1
        if blank(raw):
            continue
        result.rows_total += 1
        extra = extra_cells_error(rownum, raw, width)
        if extra:
            errors.append(extra)
        row_errors_before = len(errors)
        name, email = cell(raw, "deltager"), cell(raw, "email").lower()
        if not name:
            errors.append(RowError(rownum, "deltager", _("Skriv deltagerens eller gruppens navn.")))
        if not email:
            errors.append(RowError(rownum, "email", _("Skriv en kontakt-e-mail.")))
        else:
            try:
                validate_email(email)
            except ValidationError:
                errors.append(RowError(rownum, "email", _("»%(v)s« er ikke en gyldig e-mailadresse.") % {"v": email}))
        size_text = intlike(cell(raw, "stoerrelse")) or "1"
        size = int(size_text) if size_text.isdigit() and int(size_text) >= 1 else None
        if size is None:
            errors.append(RowError(rownum, "stoerrelse", _("»%(v)s« er ikke et antal personer (et helt tal ≥ 1).")
                                   % {"v": size_text}))
        elif size > MAX_MEMBERS:
            errors.append(RowError(rownum, "stoerrelse", _("En gruppe kan højst have %(n)d medlemmer.")
                                   % {"n": MAX_MEMBERS}))
        rank_text = intlike(cell(raw, "prioritet"))
        rank = int(rank_text) if rank_text.isdigit() and int(rank_text) >= 1 else None
        if rank is None:
            errors.append(RowError(rownum, "prioritet", _("»%(v)s« er ikke en prioritet (et helt tal ≥ 1).")
                                   % {"v": rank_text}))
        elif rank > event.max_ranked_choices:
            errors.append(RowError(rownum, "prioritet", _("Der kan højst prioriteres %(n)d cases på denne børs.")
                                   % {"n": event.max_ranked_choices}))
        case_text = intlike(cell(raw, "case"))
        case = by_id.get(case_text) if case_text else None
        if not case_text:
            errors.append(RowError(rownum, "case", _("Angiv casens nummer.")))
        elif case is None:
            found = by_title.get(case_text.casefold(), [])
            if len(found) == 1:
                case = found[0]
            elif found:
                errors.append(RowError(rownum, "case", _("Flere cases hedder »%(v)s«. Brug casens nummer.")
                                       % {"v": case_text}))
            else:
                errors.append(RowError(rownum, "case",
                                       _("Casen »%(v)s« findes ikke blandt børsens offentliggjorte cases.")
                                       % {"v": case_text}))
        level = cell(raw, "niveau").upper()
        if level not in levels:
            errors.append(RowError(rownum, "niveau", _("»%(v)s« er ikke et uddannelsesniveau; brug KVU, MVU eller LVU.")
                                   % {"v": level}))
        programme_text = cell(raw, "uddannelse")
        programme = ""
        if programme_text:
            programme = programmes.get(programme_text.casefold(), "")
            if not programme:
                slugs = programme_names.get(programme_text.casefold(), set())
                if len(slugs) == 1:
                    programme = next(iter(slugs))
                elif slugs:
                    errors.append(RowError(rownum, "uddannelse", _("Flere uddannelser hedder »%(v)s«; brug koden.")
                                           % {"v": programme_text}))
                else:
                    errors.append(RowError(rownum, "uddannelse", _("Ukendt uddannelse »%(v)s«.") % {"v": programme_text}))
        if case is not None and size is not None and not _size_fits(case, size):
            errors.append(RowError(
                rownum, "stoerrelse",
                _("Gruppen er på %(n)d personer, men casen »%(case)s« tager grupper på %(sizes)s personer.")
                % {"n": size, "case": case.title, "sizes": _size_text(case)},
            ))
        if len(errors) > row_errors_before or not email:
            continue
        entry = entries.get(email)
        if entry is None:
            entry = entries[email] = Entry(name, size or 1, level, programme, rownum)
            known = existing.get(email)
            if known is not None and known.size != entry.size:
                errors.append(RowError(rownum, "stoerrelse",
                                       _("%(email)s er allerede tilmeldt som %(n)d personer; filen siger %(m)d.")
                                       % {"email": email, "n": known.size, "m": entry.size}))
        elif size != entry.size:
            errors.append(RowError(rownum, "stoerrelse", _("Størrelsen er forskellig fra række %(row)d (%(n)d).")
                                   % {"row": entry.first_row, "n": entry.size}))
            continue
        assert rank is not None and case is not None
        if rank in entry.ranks:
            errors.append(RowError(rownum, "prioritet", _("Prioritet %(rank)d står allerede for %(email)s i række "
                                                          "%(row)d.") % {"rank": rank, "email": email,
                                                                         "row": entry.ranks[rank][0]}))
            continue
        twice = [r for r, (_row, c) in entry.ranks.items() if c.pk == case.pk]
        if twice:
            errors.append(RowError(rownum, "case", _("Casen »%(case)s« er allerede prioriteret af %(email)s i række "
                                                     "%(row)d.") % {"case": case.title, "email": email,
                                                                    "row": entry.ranks[twice[0]][0]}))
            continue
        entry.ranks[rank] = (rownum, case)
        if len(errors) >= MAX_IMPORT_ERRORS:
            break
    for email, entry in entries.items():
        expected = list(range(1, len(entry.ranks) + 1))
        if sorted(entry.ranks) != expected:
            last_row = max(row for row, _c in entry.ranks.values())
            errors.append(RowError(last_row, "prioritet",
                                   _("Prioriteterne for %(email)s skal være 1, 2, 3 … uden huller (filen har %(got)s).")
                                   % {"email": email, "got": ", ".join(str(r) for r in sorted(entry.ranks))}))
    errors.sort(key=lambda e: (e.row, e.column))
    if errors or not entries:
        if not errors:
            errors.append(RowError(0, "", _("Filen har ingen rækker med prioriteter.")))
        return result
    with transaction.atomic():
        _locked_event(event)
        for email, entry in entries.items():
            participant = existing.get(email)
            if participant is None:
                member = {"name": entry.name if entry.size == 1 else "", "email": email if entry.size == 1 else "",
                          "level": entry.level, "programme": entry.programme}
                participant = BourseParticipant(
                    event=event,
                    kind=BourseParticipant.Kind.INDIVIDUAL if entry.size == 1 else BourseParticipant.Kind.GROUP,
                    name=entry.name, members=[dict(member) for _i in range(entry.size)], size=entry.size,
                    contact_email=email,
                )
                _full_clean(participant, "invalid_participant")
                participant.save()
                result.participants_created += 1
            else:
                Preference.objects.filter(participant=participant).delete()
                BourseParticipant.objects.filter(pk=participant.pk).update(version=participant.version + 1,
                                                                             updated_at=timezone.now())
                result.participants_updated += 1
            Preference.objects.bulk_create([
                Preference(participant=participant, case=case, rank=rank)
                for rank, (_row, case) in sorted(entry.ranks.items())
            ])
            result.preferences += len(entry.ranks)
    result.committed = True
    return result


# --- The companies' view ----------------------------------------------------------------------------


@transaction.atomic
def bourse_company_preferences_set(
    *, case: BourseCase, ranks: dict[int, int | None], vetoes: set[int] | frozenset[int] = frozenset()
) -> int:
    """The company ranks (1 = best) or vetoes applicants to its case (participants who ranked it). Replaces
    the company's previous ranks and vetoes for the case. Returns how many rows were saved."""
    event = case.event
    _require_not_confirmed(event)
    if case.status != BourseCase.Status.PUBLISHED:
        raise ValidationFailed(_("Casen er ikke offentliggjort, så der er ingen ansøgere at prioritere."),
                               code="case_not_published")
    applicants = set(Preference.objects.filter(case=case).values_list("participant_id", flat=True))
    errors: list[str] = []
    unknown = (set(ranks) | set(vetoes)) - applicants
    if unknown:
        errors.append(_("Kun deltagere, der har prioriteret casen, kan prioriteres eller fravælges."))
    given = {pid: r for pid, r in ranks.items() if r is not None}
    if any(r < 1 for r in given.values()):
        errors.append(_("Prioriteter skal være hele tal fra 1 og op."))
    if len(set(given.values())) != len(given):
        errors.append(_("To ansøgere har fået samme prioritet. Giv hver ansøger sin egen prioritet."))
    both = set(given) & set(vetoes)
    if both:
        errors.append(_("En ansøger kan ikke både prioriteres og fravælges."))
    if errors:
        raise ValidationFailed(errors[0], code="invalid_company_preferences", details={"ranks": errors})
    _locked_event(event)
    CompanyPreference.objects.filter(case=case).delete()
    rows = [CompanyPreference(case=case, participant_id=pid, rank=r) for pid, r in sorted(given.items())]
    rows += [CompanyPreference(case=case, participant_id=pid, veto=True) for pid in sorted(vetoes)]
    CompanyPreference.objects.bulk_create(rows)
    return len(rows)


# --- Runs, locks, confirmation ----------------------------------------------------------------------


def _instance_error(exc: A.InstanceError) -> ValidationFailed:
    messages = [p.message for p in exc.problems]
    return ValidationFailed(
        _("Børsens data kan ikke fordeles: %(first)s") % {"first": messages[0]},
        code="invalid_instance",
        details={"__all__": messages},
    )


def bourse_run_create(*, user: User, event: Event, mode: str, time_limit: float = A.DEFAULT_TIME_LIMIT) -> BourseRun:
    """Compute an assignment (stable or optimal) around the current locks and store it with its input."""
    _require_manage(user, event)
    if mode not in A.MODES:
        raise ValidationFailed(_("Vælg stabil eller optimal fordeling."), code="invalid_mode",
                               details={"mode": [_("Ukendt metode.")]})
    _require_not_confirmed(event)
    try:
        data = build_instance(event)
    except A.InstanceError as exc:
        raise _instance_error(exc) from exc
    if not data.instance.cases:
        raise ValidationFailed(_("Børsen har ingen offentliggjorte cases endnu."), code="no_cases")
    if not data.instance.participants:
        raise ValidationFailed(_("Børsen har ingen tilmeldte deltagere endnu."), code="no_participants")
    result = A.solve(data.instance, mode, time_limit=time_limit)
    stored = result.as_dict()
    stored["summary"] = summary_text(data.instance, result)
    stored["notes"] = data.notes
    stored["note_items"] = data.note_items
    with transaction.atomic():
        _locked_event(event)
        _require_not_confirmed(event)
        run = BourseRun(event=event, mode=mode, created_by=user, input_snapshot=data.snapshot, result=stored)
        _full_clean(run, "invalid_run")
        run.save()
    return run


@transaction.atomic
def bourse_lock_set(*, user: User, event: Event, participant: BourseParticipant, case: BourseCase) -> AssignmentLock:
    """Fix a participant to a case; every later run keeps the pair. The pair must be acceptable (ranked, not
    vetoed, requirements met) and the locked students must fit the case."""
    _require_manage(user, event)
    _require_not_confirmed(event)
    _locked_event(event)
    if participant.event_id != event.pk or case.event_id != event.pk:
        raise ValidationFailed(_("Deltageren og casen skal høre til børsen."), code="invalid_lock")
    locks = {str(lk.participant_id): str(lk.case_id) for lk in event.assignment_locks.all()}
    locks[str(participant.pk)] = str(case.pk)
    try:
        build_instance(event, locks=locks)
    except A.InstanceError as exc:
        raise _instance_error(exc) from exc
    lock, created = AssignmentLock.objects.get_or_create(
        event=event, participant=participant, defaults={"case": case, "created_by": user}
    )
    if not created and lock.case_id != case.pk:
        lock.case, lock.created_by = case, user
        lock.save(update_fields=["case", "created_by"])
    return lock


@transaction.atomic
def bourse_lock_remove(*, user: User, lock: AssignmentLock) -> None:
    _require_manage(user, lock.event)
    _require_not_confirmed(lock.event)
    lock.delete()


@dataclass
class ConfirmResult:
    run: BourseRun
    created: int
    merged: int
    already: int
    matches: list[Match]


def _member_match_data(*, event: Event, case: BourseCase, member: dict[str, Any], match_type: MatchType,
                       level: EducationLevel, contributors: tuple[Organisation, ...], programmes: dict) -> MatchData:
    programme = programmes.get(member.get("programme") or "")
    return MatchData(
        company=case.company,
        match_type=match_type,
        start_date=timezone.localtime(event.starts_at).date(),
        education_level=level,
        municipality=case.location_municipality,
        institution=programme.institution if programme else "",
        education=programme.name_da if programme else "",
        person_identifier=member.get("email") or "",
        activity=Activity.BOURSE,
        activity_note=event.title[:200],
        contributors=contributors,
    )


def bourse_run_confirm(*, user: User, run: BourseRun) -> ConfirmResult:
    """Accept an assignment: one registered match per seated student (a group gives one per member) of the
    case's collaboration kind, from the bourse (activity 'bourse', note = the event title), registered by the
    lead organiser with the other organisers as contributors. Confirming again creates nothing new; the run
    must still match the bourse's data (otherwise compute again)."""
    event = run.event
    if not can_confirm_bourse(user, event):
        raise Forbidden(
            _("Kun den ansvarlige partner for børsen (%(org)s) og koordinatorer kan godkende fordelingen, fordi "
              "matchene registreres for den.") % {"org": event.organiser.name},
            code="forbidden",
        )
    with transaction.atomic():
        _locked_event(event)
        run = BourseRun.objects.select_for_update().get(pk=run.pk)
        other = event.bourse_runs.filter(is_confirmed=True).exclude(pk=run.pk).first()
        if other is not None:
            raise Conflict(_("En anden fordeling er allerede godkendt for børsen."), code="other_run_confirmed")
        if not run.is_confirmed:
            try:
                current = build_instance(event)
            except A.InstanceError as exc:
                raise _instance_error(exc) from exc
            if current.fingerprint != snapshot_fingerprint(run.input_snapshot):
                raise Conflict(
                    _("Cases, prioriteter eller låse er ændret, siden fordelingen blev beregnet. Beregn den igen, "
                      "før den godkendes."),
                    code="run_outdated",
                )
        placement: dict[str, str] = run.result.get("placement", {})
        cases = {str(c.pk): c for c in event.bourse_cases.select_related("company", "location_municipality")
                 .filter(pk__in=[int(c) for c in set(placement.values())])}
        participants = {str(p.pk): p for p in event.bourse_participants.filter(
            pk__in=[int(p) for p in placement])}
        levels = {lv.code: lv for lv in EducationLevel.objects.all()}
        slugs = {m.get("programme") for p in participants.values() for m in p.members if m.get("programme")}
        programmes = {p.slug: p for p in StudyProgramme.objects.filter(slug__in=slugs)}
        match_types = {mt.code: mt for mt in MatchType.objects.all()}
        contributors = tuple(o for o in event.organisers if o.pk != event.organiser_id)
        lead = event.organiser
        created = merged = already = 0
        matches: list[Match] = []
        confirmed_ids: dict[str, list[int]] = {}
        company_surveyed: set[str] = set()
        for pid, cid in placement.items():
            participant, case = participants.get(pid), cases.get(cid)
            if participant is None or case is None:
                continue
            for index, member in enumerate(participant.members or [{}] * participant.size, start=1):
                key = f"bourse:{event.pk}:{participant.pk}:{index}"
                existing = Match.objects.filter(registering_org=lead, import_key=key).first()
                if existing is not None:
                    already += 1
                    matches.append(existing)
                    confirmed_ids.setdefault(pid, []).append(existing.pk)
                    continue
                level = levels.get(str(member.get("level") or "").upper())
                if level is None:
                    raise ValidationFailed(
                        _("%(name)s mangler et uddannelsesniveau; det skal bruges til matchet.")
                        % {"name": participant.name}, code="level_missing",
                    )
                data = _member_match_data(event=event, case=case, member=member,
                                          match_type=match_types[case.match_type_code], level=level,
                                          contributors=contributors, programmes=programmes)
                registered = match_register(user=user, organisation=lead, data=data, import_key=key,
                                            is_synthetic=event.is_synthetic)
                match = registered.match
                if registered.merged:
                    merged += 1
                else:
                    created += 1
                matches.append(match)
                confirmed_ids.setdefault(pid, []).append(match.pk)
                if member.get("email"):
                    survey_create_for_collaboration(
                        match=match, respondent_kind="participant", email=member["email"],
                        name=member.get("name", ""), bourse_run=run, event=event,
                    )
                if case.submitter_email and cid not in company_surveyed:
                    company_surveyed.add(cid)
                    survey_create_for_collaboration(
                        match=match, respondent_kind="company", email=case.submitter_email,
                        name=case.submitter_name, company=case.company, bourse_run=run, event=event,
                    )
        if not run.is_confirmed:
            run.is_confirmed = True
            run.confirmed_at = timezone.now()
            run.confirmed_by = user
            run.result = {**run.result, "confirmed_matches": confirmed_ids}
            run.save(update_fields=["is_confirmed", "confirmed_at", "confirmed_by", "result"])
    return ConfirmResult(run=run, created=created, merged=merged, already=already, matches=matches)
