"""Writes to cases: create and edit drafts, the workflow (submit → publish → archive, withdraw, send back,
reopen), the persons shown and their consent, and the sites allowed to embed cases.

A case is published only when every person shown has consent recorded (and not withdrawn) and the
reviewer confirms that every recognisable person is registered; withdrawing a consent takes a published
case off the site at once. Every change of a published case updates the search index in the same
transaction. Changes are audit-logged by django-auditlog (see apps.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from viaviden.core.errors import Conflict, Forbidden, ValidationFailed
from viaviden.matches.permissions import partner_org_ids
from viaviden.organisations.models import Organisation, User

from . import permissions as perms
from .models import Case, CaseImage, CasePerson, EmbedSite, Tag
from .richtext import sanitise
from .search import case_index
from .video import parse_video_url

MAX_IMAGES = 5
MAX_TAGS = 15
RESERVED_SLUGS = {"redaktion", "indlejr", "rss", "sitemap-xml", "kompetenceguide", "api"}
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass
class ImageData:
    url: str
    alt_text: str
    caption: str = ""


@dataclass
class CaseData:
    """The facts of a case an author writes (the workflow fields have their own services)."""

    title: str
    summary: str
    body: str = ""
    kind: str = Case.Kind.ARTICLE
    source_url: str = ""
    video_url: str = ""
    video_transcript: str = ""
    company: object | None = None  # companies.Company
    company_name: str = ""
    municipality: object | None = None
    industry: object | None = None
    size_class: object | None = None
    match_type: object | None = None
    education_levels: list = field(default_factory=list)
    programmes: list = field(default_factory=list)
    education_text: str = ""
    task_areas: list = field(default_factory=list)
    benefits: list[str] = field(default_factory=list)
    benefit_text: str = ""
    audiences: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)  # names; new ones are created
    partners: list[Organisation] = field(default_factory=list)
    images: list[ImageData] = field(default_factory=list)


SCALAR_FIELDS = ("title", "summary", "body", "kind", "source_url", "video_url", "video_transcript", "company",
                 "company_name", "municipality", "industry", "size_class", "match_type", "education_text",
                 "benefits", "benefit_text", "audiences")


# --- Helpers -------------------------------------------------------------------------------------------


def _fail(errors: dict[str, list[str]], code: str = "validation_error") -> None:
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], code=code, details=errors)


def _full_clean(obj, *, exclude: Iterable[str] = ()) -> None:
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        details = exc.message_dict
        raise ValidationFailed(next(iter(details.values()))[0], code="validation_error", details=details) from exc


def _lock(case: Case, version: int | None) -> Case:
    current = Case.objects.select_for_update(of=("self",)).select_related("owner_organisation").get(pk=case.pk)
    if version is not None and current.version != version:
        raise Conflict(_("Casen er blevet ændret af en anden, siden du åbnede den. Genindlæs siden, og prøv igen."),
                       code="conflict")
    return current


def _save(case: Case, fields: Iterable[str]) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])


def _danish_slug(text: str) -> str:
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return slugify(text)[:100].strip("-") or "case"


def _unique_slug(title: str) -> str:
    base = _danish_slug(title)
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Case.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def image_url_ok(url: str) -> bool:
    """An https address, or a file of this site's static files."""
    if url.startswith("/static/"):
        return ".." not in url
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname)


def _check(data: CaseData) -> dict[str, list[str]]:
    """The rules of a case's facts; every message at once."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not data.title.strip():
        add("title", _("Skriv en titel."))
    if not data.summary.strip():
        add("summary", _("Skriv et kort resumé (det vises i listen og når casen deles)."))
    if data.kind not in Case.Kind.values:
        add("kind", _("Vælg en casetype."))
    if data.video_url.strip() and parse_video_url(data.video_url) is None:
        add("video_url", _("Videolinket skal være til YouTube, Vimeo eller en videofil på https (.mp4 eller .webm)."))
    if data.kind == Case.Kind.VIDEO and not data.video_url.strip():
        add("video_url", _("En videocase skal have et link til videoen."))
    for name in ("benefits", "audiences"):
        choices = Case.Benefit.values if name == "benefits" else Case.Audience.values
        if any(v not in choices for v in getattr(data, name)):
            add(name, _("Ukendt værdi."))
    if len(data.images) > MAX_IMAGES:
        add("images", _("Højst %(n)s billeder.") % {"n": MAX_IMAGES})
    for i, image in enumerate(data.images, start=1):
        if not image_url_ok(image.url.strip()):
            add(f"image_{i}_url", _("Billedets adresse skal begynde med https://."))
        if not image.alt_text.strip():
            add(f"image_{i}_alt", _("Skriv en alternativ tekst, der beskriver billedet for dem, der ikke kan se det."))
    tags = [t.strip() for t in data.tags if t.strip()]
    if len(tags) > MAX_TAGS:
        add("tags", _("Højst %(n)s tags.") % {"n": MAX_TAGS})
    if any(len(t) > 80 for t in tags):
        add("tags", _("Et tag må højst være 80 tegn."))
    if any(not o.is_project_partner for o in data.partners):
        add("partners", _("Kun projektpartnere kan stå som afsender af en case."))
    return errors


def _tags(names: Iterable[str]) -> list[Tag]:
    tags = []
    for name in dict.fromkeys(n.strip() for n in names if n.strip()):
        slug = _danish_slug(name)[:80]
        tag, _created = Tag.objects.get_or_create(slug=slug, defaults={"name": name[:80]})
        tags.append(tag)
    return tags


def _apply(case: Case, data: CaseData) -> None:
    video = parse_video_url(data.video_url) if data.video_url.strip() else None
    case.title = data.title.strip()
    case.summary = data.summary.strip()
    case.body = sanitise(data.body)
    case.kind = data.kind
    case.source_url = data.source_url.strip()
    case.video_url = data.video_url.strip()
    case.video_provider = video.provider if video else ""
    case.video_id = video.id if video else ""
    case.video_transcript = data.video_transcript.strip()
    case.company = data.company
    case.company_name = data.company_name.strip()
    case.municipality = data.municipality
    case.industry = data.industry
    case.size_class = data.size_class
    case.match_type = data.match_type
    case.education_text = data.education_text.strip()
    case.benefits = [b for b in Case.Benefit.values if b in data.benefits]
    case.benefit_text = data.benefit_text.strip()
    case.audiences = [a for a in Case.Audience.values if a in data.audiences]


def _apply_relations(case: Case, data: CaseData) -> None:
    levels = {lv.pk: lv for lv in data.education_levels}
    for programme in data.programmes:  # a programme's level is the case's level too
        levels.setdefault(programme.level_id, programme.level)
    case.education_levels.set(list(levels.values()))
    case.programmes.set(list(data.programmes))
    case.task_areas.set(list(data.task_areas))
    case.tags.set(_tags(data.tags))
    partners = {o.pk: o for o in data.partners}
    owner_partner = case.owner_organisation.partner
    partners.setdefault(owner_partner.pk, owner_partner)
    case.partners.set(list(partners.values()))
    case.images.all().delete()
    CaseImage.objects.bulk_create([
        CaseImage(case=case, url=img.url.strip(), alt_text=img.alt_text.strip(), caption=img.caption.strip(), order=i)
        for i, img in enumerate(data.images)
    ])


# --- Cases ---------------------------------------------------------------------------------------------


def _require_staff(user: User) -> None:
    if not perms.is_case_staff(user):
        raise Forbidden(_("Du har ikke adgang til at skrive cases."), code="aggregates_only")


@transaction.atomic
def case_create(*, user: User, data: CaseData, owner_organisation: Organisation | None = None,
                is_synthetic: bool = False) -> Case:
    """A new draft for the user's organisation (coordinators may choose another)."""
    _require_staff(user)
    owner_organisation = owner_organisation or user.organisation
    if owner_organisation is None:
        raise ValidationFailed(_("Vælg den ansvarlige organisation."), code="owner_required",
                               details={"owner_organisation": [_("Feltet skal udfyldes.")]})
    if not user.sees_everything and owner_organisation.pk not in partner_org_ids(user):
        raise Forbidden(_("Du kan kun skrive cases for din egen organisation."), code="not_own_organisation")
    _fail(_check(data))
    case = Case(owner_organisation=owner_organisation, created_by=user, status=Case.Status.DRAFT,
                is_synthetic=is_synthetic)
    _apply(case, data)
    case.slug = _unique_slug(case.title)
    _full_clean(case)
    case.save()
    _apply_relations(case, data)
    return case


@transaction.atomic
def case_update(*, user: User, case: Case, data: CaseData, version: int | None) -> Case:
    """Change a case's facts (owners while it is a draft; reviewers until it is archived)."""
    case = _lock(case, version)
    if not perms.can_edit_case(user, case):
        raise Forbidden(_("Du kan ikke ændre casen i dens nuværende status."), code="not_editable")
    _fail(_check(data))
    _apply(case, data)
    _full_clean(case)
    _save(case, SCALAR_FIELDS + ("video_provider", "video_id"))
    _apply_relations(case, data)
    if case.status == Case.Status.PUBLISHED:
        case_index(case)
    return case


@transaction.atomic
def case_submit(*, user: User, case: Case, version: int | None) -> Case:
    """Send a draft to the reviewers."""
    case = _lock(case, version)
    if not perms.can_submit_case(user, case):
        raise Forbidden(_("Kun en kladde kan sendes til godkendelse, og kun af dens egen organisation."),
                        code="not_submittable")
    case.status, case.submitted_at = Case.Status.REVIEW, timezone.now()
    _save(case, ["status", "submitted_at"])
    return case


@transaction.atomic
def case_withdraw(*, user: User, case: Case, version: int | None, note: str = "") -> Case:
    """Back from review to draft: the owners take it back, or a reviewer sends it back with a note."""
    case = _lock(case, version)
    if not perms.can_withdraw_case(user, case):
        raise Forbidden(_("Casen er ikke til godkendelse."), code="not_in_review")
    if perms.is_reviewer(user) and not perms.owns_case(user, case) and not note.strip():
        raise ValidationFailed(_("Skriv, hvad der skal rettes, før casen kan godkendes."), code="note_required",
                               details={"note": [_("Skriv, hvad der skal rettes, før casen kan godkendes.")]})
    case.status, case.review_note = Case.Status.DRAFT, note.strip()
    _save(case, ["status", "review_note"])
    return case


def publication_problems(case: Case) -> dict[str, list[str]]:
    """What stands in the way of publishing (empty when nothing does)."""
    errors: dict[str, list[str]] = {}
    missing = [p.name for p in case.persons.all() if not p.has_consent]
    if missing:
        errors["persons"] = [
            _("Der mangler registreret samtykke fra: %(names)s. En case kan kun offentliggøres, når alle personer, "
              "der vises, har givet samtykke.") % {"names": ", ".join(missing)}
        ]
    if case.kind in (Case.Kind.ARTICLE, Case.Kind.ONE_PAGER) and not case.body.strip():
        errors["body"] = [_("Skriv casens tekst, før den offentliggøres.")]
    if case.kind == Case.Kind.VIDEO and not case.video_id:
        errors["video_url"] = [_("En videocase skal have et link til videoen.")]
    if case.kind == Case.Kind.SOCIAL and not (case.body.strip() or case.source_url):
        errors["body"] = [_("Skriv opslagets tekst eller link til opslaget, før casen offentliggøres.")]
    return errors


@transaction.atomic
def case_publish(*, user: User, case: Case, version: int | None, persons_confirmed: bool) -> Case:
    """Publish a case in review. Refused (nothing saved) while a person shown lacks recorded consent, or
    when the reviewer has not confirmed that every recognisable person is registered."""
    case = _lock(case, version)
    if not perms.can_publish_case(user, case):
        raise Forbidden(_("Kun koordinationsgruppen kan offentliggøre, og kun cases til godkendelse."),
                        code="not_publishable")
    errors = publication_problems(case)
    if not persons_confirmed:
        errors.setdefault("persons_confirmed", []).append(
            _("Bekræft, at alle personer, der kan genkendes i tekst, billeder og video, er registreret med samtykke.")
        )
    code = "consent_missing" if "persons" in errors else "validation_error"
    _fail(errors, code=code)
    case.status, case.published_at, case.published_by = Case.Status.PUBLISHED, timezone.now(), user
    case.review_note = ""
    _save(case, ["status", "published_at", "published_by", "review_note"])
    case_index(case)
    return case


@transaction.atomic
def case_archive(*, user: User, case: Case, version: int | None) -> Case:
    """Take a case off the site (and out of the search) and keep it."""
    case = _lock(case, version)
    if not perms.can_archive_case(user, case):
        raise Forbidden(_("Kun koordinationsgruppen kan arkivere cases."), code="not_archivable")
    case.status = Case.Status.ARCHIVED
    _save(case, ["status"])
    case_index(case)
    return case


@transaction.atomic
def case_reopen(*, user: User, case: Case, version: int | None) -> Case:
    """An archived case back to draft, to be edited and reviewed again."""
    case = _lock(case, version)
    if not perms.can_reopen_case(user, case):
        raise Forbidden(_("Kun arkiverede cases kan genåbnes, og kun af koordinationsgruppen."), code="not_archived")
    case.status = Case.Status.DRAFT
    _save(case, ["status"])
    return case


# --- Persons and consent ---------------------------------------------------------------------------------


def _require_persons(user: User, case: Case) -> None:
    if not perms.can_manage_persons(user, case):
        raise Forbidden(_("Du kan ikke ændre personerne i denne case."), code="not_case_owner")


@transaction.atomic
def case_person_add(*, user: User, case: Case, name: str, role: str = "", consent_method: str = "",
                    consent_note: str = "") -> CasePerson:
    """Register a person shown in the case; with `consent_method` their consent is recorded now."""
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    _require_persons(user, case)
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Skriv personens navn.")]
    if consent_method and consent_method not in CasePerson.ConsentMethod.values:
        errors["consent_method"] = [_("Vælg, hvordan samtykket er givet.")]
    _fail(errors)
    person = CasePerson(case=case, name=name.strip(), role=role.strip(), consent_note=consent_note.strip())
    if consent_method:
        person.consent_method, person.consent_recorded_at, person.recorded_by = consent_method, timezone.now(), user
    _full_clean(person)
    person.save()
    return person


@transaction.atomic
def case_person_record_consent(*, user: User, person: CasePerson, consent_method: str,
                               consent_note: str = "") -> CasePerson:
    """Record a person's consent (again, also after a withdrawal: a new consent)."""
    person = CasePerson.objects.select_for_update().select_related("case").get(pk=person.pk)
    _require_persons(user, person.case)
    if consent_method not in CasePerson.ConsentMethod.values:
        _fail({"consent_method": [_("Vælg, hvordan samtykket er givet.")]})
    person.consent_method, person.consent_recorded_at, person.recorded_by = consent_method, timezone.now(), user
    person.consent_withdrawn_at = None
    if consent_note.strip():
        person.consent_note = consent_note.strip()
    person.save(update_fields=["consent_method", "consent_recorded_at", "recorded_by", "consent_withdrawn_at",
                               "consent_note", "updated_at"])
    return person


@transaction.atomic
def case_person_withdraw_consent(*, user: User, person: CasePerson) -> CasePerson:
    """The person withdraws consent: recorded, and a published case leaves the site at once (back to draft)."""
    person = CasePerson.objects.select_for_update().select_related("case").get(pk=person.pk)
    _require_persons(user, person.case)
    person.consent_withdrawn_at = timezone.now()
    person.save(update_fields=["consent_withdrawn_at", "updated_at"])
    case = _lock(person.case, None)
    if case.status in (Case.Status.PUBLISHED, Case.Status.REVIEW):
        case.status = Case.Status.DRAFT
        case.review_note = _("Taget af siden, fordi %(name)s har tilbagekaldt sit samtykke.") % {"name": person.name}
        _save(case, ["status", "review_note"])
        case_index(case)
    return person


@transaction.atomic
def case_person_remove(*, user: User, person: CasePerson) -> None:
    """Remove a person from a case that is not published (a published text would still show them)."""
    person = CasePerson.objects.select_for_update().select_related("case").get(pk=person.pk)
    _require_persons(user, person.case)
    if person.case.status == Case.Status.PUBLISHED:
        raise Conflict(_("En person kan ikke fjernes fra en offentliggjort case. Arkivér casen, eller tilbagekald "
                         "samtykket."), code="case_published")
    person.delete()


# --- Embedding -----------------------------------------------------------------------------------------


def normalise_origin(origin: str) -> str | None:
    """'https://www.ucn.dk/' -> 'https://www.ucn.dk'; None when it is not an origin (scheme + host [+ port]).
    http is accepted only for localhost (testing)."""
    origin = (origin or "").strip().rstrip("/").lower()
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host or parts.path or parts.query or parts.fragment:
        return None
    if parts.username or parts.password:
        return None
    if parts.scheme == "http" and host not in {"localhost", "127.0.0.1", "::1"}:
        return None
    netloc = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{netloc}" + (f":{port}" if port else "")


@transaction.atomic
def embed_site_add(*, user: User, organisation: Organisation, origin: str, name: str = "",
                   color: str = "#005b7f") -> EmbedSite:
    """Allow a partner's website to embed cases (iframe) and read the case API from the browser (CORS)."""
    if not perms.can_manage_embed_sites(user, organisation):
        raise Forbidden(_("Kun koordinationsgruppen og partnerens leder kan tilføje hjemmesider."),
                        code="not_allowed")
    errors: dict[str, list[str]] = {}
    normalised = normalise_origin(origin)
    if normalised is None:
        errors["origin"] = [_("Skriv hjemmesidens adresse som https://www.eksempel.dk (uden sti).")]
    elif EmbedSite.objects.filter(origin=normalised).exists():
        errors["origin"] = [_("Hjemmesiden er allerede tilføjet.")]
    if not _COLOR.fullmatch(color or ""):
        errors["color"] = [_("Skriv farven som #rrggbb, fx #005b7f.")]
    _fail(errors)
    site = EmbedSite(organisation=organisation, origin=normalised, name=name.strip(), color=color.lower(),
                     created_by=user)
    _full_clean(site)
    site.save()
    return site


@transaction.atomic
def embed_site_remove(*, user: User, site: EmbedSite) -> None:
    if not perms.can_manage_embed_sites(user, site.organisation):
        raise Forbidden(_("Kun koordinationsgruppen og partnerens leder kan fjerne hjemmesider."),
                        code="not_allowed")
    site.delete()
