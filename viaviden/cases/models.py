"""The case platform (SPEC 3.6): public success stories about companies and highly educated people who
found each other, categorised for search and facets, with the recorded consent of every person shown,
a partner-to-reviewer workflow (draft → review → published → archived), the sites allowed to embed
them, and the search index (terms and facet values of published cases) that works the same on SQLite
and PostgreSQL. See docs/cases.md."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from viaviden.core.models import LONG_TEXT_MAX_LENGTH, NOTE_MAX_LENGTH, TEXT_MAX_LENGTH, TimeStampedModel, bounded_text


class Tag(models.Model):
    """A free tag, shared by all partners ("grøn omstilling", "eksport", …)."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(_("navn"), max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Case(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Kladde")
        REVIEW = "review", _("Til godkendelse")
        PUBLISHED = "published", _("Offentliggjort")
        ARCHIVED = "archived", _("Arkiveret")

    class Kind(models.TextChoices):
        ARTICLE = "article", _("Artikel")
        ONE_PAGER = "one_pager", _("One-pager")
        VIDEO = "video", _("Video")
        SOCIAL = "social", _("Opslag på sociale medier")

    class VideoProvider(models.TextChoices):
        YOUTUBE = "youtube", "YouTube"
        VIMEO = "vimeo", "Vimeo"
        FILE = "file", _("Videofil")

    class Benefit(models.TextChoices):
        """What the hire brought the company (udbytte)."""

        COMPETENCES = "competences", _("Nye kompetencer i virksomheden")
        GROWTH = "growth", _("Vækst og omsætning")
        DIGITALISATION = "digitalisation", _("Digitalisering")
        INNOVATION = "innovation", _("Produktudvikling og innovation")
        MARKETS = "markets", _("Nye markeder og eksport")
        EFFICIENCY = "efficiency", _("Effektivisering og kvalitet")
        SUSTAINABILITY = "sustainability", _("Bæredygtighed og energi")
        RECRUITMENT = "recruitment", _("Fastansættelse og rekruttering")

    class Audience(models.TextChoices):
        STUDENTS = "students", _("Studerende")
        GRADUATES = "graduates", _("Dimittender og ledige højtuddannede")
        COMPANIES = "companies", _("Virksomheder")
        PARTNER_STAFF = "partner_staff", _("Medarbejdere hos partnerne")

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(_("titel"), max_length=200)
    summary = bounded_text(_("resumé"), max_length=600)
    # Sanitised HTML (viaviden.cases.richtext); never stored unsanitised.
    body = bounded_text(_("brødtekst"), blank=True, max_length=LONG_TEXT_MAX_LENGTH)
    kind = models.CharField(_("casetype"), max_length=20, choices=Kind.choices, default=Kind.ARTICLE)
    source_url = models.URLField(_("link til det oprindelige opslag eller artiklen"), max_length=500, blank=True)
    video_url = models.URLField(_("video (link)"), max_length=500, blank=True)
    video_provider = models.CharField(max_length=10, choices=VideoProvider.choices, blank=True)
    video_id = models.CharField(max_length=500, blank=True)
    video_transcript = bounded_text(_("videoens indhold som tekst"), blank=True, max_length=LONG_TEXT_MAX_LENGTH)

    company = models.ForeignKey("companies.Company", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="cases", verbose_name=_("virksomhed i registret"))
    company_name = models.CharField(_("virksomhedens navn"), max_length=200, blank=True)
    municipality = models.ForeignKey("reference.Municipality", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("kommune"))
    industry = models.ForeignKey("reference.Industry", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("branche"))
    size_class = models.ForeignKey("reference.SizeClass", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("virksomhedsstørrelse"))
    match_type = models.ForeignKey("reference.MatchType", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("samarbejdsform"))
    education_levels = models.ManyToManyField("reference.EducationLevel", blank=True, related_name="+",
                                              verbose_name=_("uddannelsesniveau"))
    programmes = models.ManyToManyField("candidates.StudyProgramme", blank=True, related_name="cases",
                                        verbose_name=_("uddannelser"))
    education_text = models.CharField(_("uddannelse (hvis den ikke er i kompetenceguiden)"), max_length=200,
                                      blank=True)
    task_areas = models.ManyToManyField("candidates.TaskArea", blank=True, related_name="cases",
                                        verbose_name=_("opgaver"))
    benefits = models.JSONField(_("udbytte"), default=list, blank=True)
    benefit_text = bounded_text(_("udbyttet med virksomhedens egne ord"), blank=True, max_length=TEXT_MAX_LENGTH)
    audiences = models.JSONField(_("målgruppe"), default=list, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="cases", verbose_name=_("tags"))

    owner_organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT,
                                           related_name="+", verbose_name=_("ansvarlig organisation"))
    partners = models.ManyToManyField("organisations.Organisation", related_name="cases",
                                      verbose_name=_("indsendt af (partnere)"))

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(_("offentliggjort"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    review_note = bounded_text(_("bemærkning fra godkenderen"), blank=True, max_length=NOTE_MAX_LENGTH)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    is_synthetic = models.BooleanField(_("syntetisk demodata"), default=False)
    version = models.PositiveIntegerField(default=1)
    # The search-index generation of the case's last index write: lets each process patch its in-memory
    # snapshot with only the cases changed since (viaviden/cases/engine.py).
    indexed_generation = models.PositiveBigIntegerField(default=0, db_index=True, editable=False)

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [models.Index(fields=["status", "published_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(status="published") | Q(published_at__isnull=False),
                                   name="published_case_has_date"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def shown_company_name(self) -> str:
        if self.company_name:
            return self.company_name
        return self.company.name if self.company_id else ""

    @property
    def benefit_labels(self) -> list[str]:
        return [str(self.Benefit(b).label) for b in self.benefits if b in self.Benefit.values]

    @property
    def consent_counts(self) -> tuple[int, int]:
        """(persons with consent, persons shown) — from prefetched persons when there are."""
        persons = list(self.persons.all())
        return sum(1 for p in persons if p.has_consent), len(persons)

    @property
    def audience_labels(self) -> list[str]:
        return [str(self.Audience(a).label) for a in self.audiences if a in self.Audience.values]


class CaseImage(models.Model):
    """An image of a case, by URL (https or this site's /static/); alt text is required."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="images")
    url = models.CharField(_("billedets adresse (URL)"), max_length=500)
    alt_text = models.CharField(_("alternativ tekst"), max_length=250)
    caption = models.CharField(_("billedtekst"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("billede")
        verbose_name_plural = _("billeder")

    def __str__(self) -> str:
        return self.alt_text


class CasePerson(TimeStampedModel):
    """A person shown in a case (named, quoted or in a picture or video) and the record of their consent.
    A case is published only when every person shown has consent recorded and not withdrawn."""

    class ConsentMethod(models.TextChoices):
        WRITTEN = "written", _("Skriftlig samtykkeerklæring")
        EMAIL = "email", _("Pr. e-mail")
        FORM = "form", _("Via formular")
        ORAL = "oral", _("Mundtligt, noteret af medarbejderen")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="persons")
    name = models.CharField(_("navn"), max_length=200)
    role = models.CharField(_("rolle i casen"), max_length=200, blank=True)
    consent_recorded_at = models.DateTimeField(_("samtykke registreret"), null=True, blank=True)
    consent_method = models.CharField(_("samtykke givet"), max_length=20, choices=ConsentMethod.choices, blank=True)
    consent_note = models.CharField(_("note om samtykket"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("registreret af"))
    consent_withdrawn_at = models.DateTimeField(_("samtykke tilbagekaldt"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("person i case")
        verbose_name_plural = _("personer i case")

    def __str__(self) -> str:
        return self.name

    @property
    def has_consent(self) -> bool:
        return self.consent_recorded_at is not None and self.consent_withdrawn_at is None


class EmbedSite(TimeStampedModel):
    """A partner website allowed to embed the case list (iframe: CSP frame-ancestors) and to call the
    case API from the browser (CORS), with the partner's colour for the embedded view."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT,
                                     related_name="embed_sites", verbose_name=_("partner"))
    origin = models.CharField(_("hjemmesidens adresse (origin)"), max_length=200, unique=True)
    name = models.CharField(_("navn"), max_length=100, blank=True)
    color = models.CharField(_("farve"), max_length=7, default="#005b7f")
    active = models.BooleanField(_("aktiv"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["organisation__name", "origin"]
        verbose_name = _("hjemmeside med indlejrede cases")
        verbose_name_plural = _("hjemmesider med indlejrede cases")

    def __str__(self) -> str:
        return self.origin


# --- The search index (filled by viaviden.cases.search for published cases only) ---------------------


class CaseIndex(models.Model):
    """The search index entry of one published case, packed in one row: its index terms (Danish stems and
    compound parts) with their weights, and its facet values (municipality 787, task area "markedsfoering",
    …). One row per case instead of one per term: the index is written with one insert per batch of cases
    and read whole into each process's snapshot (viaviden/cases/engine.py), which does every lookup."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="+")
    terms = models.TextField()  # space-separated; a term never holds whitespace (viaviden.matching.text)
    weights = models.TextField()  # space-separated integers, one per term
    facets = models.TextField()  # JSON list of [facet, value]


class SearchState(models.Model):
    """One row: the index generation, bumped by every index write, so each process knows when to reload
    its in-memory vocabulary (typo tolerance) and facet labels."""

    generation = models.PositiveBigIntegerField(default=0)
    # Changed with every bump: a generation number re-used after a rolled-back write is told apart.
    token = models.CharField(max_length=32, default="")
    # Changed when the index is rebuilt or the row is made anew (an emptied database): snapshots of another
    # epoch are rebuilt, never patched.
    epoch = models.CharField(max_length=32, default="")
