"""People and competence translation (SPEC 3.3, 3.9): study programmes and their competence guides,
task areas companies ask about, candidate profiles with consent per purpose, and consultants' shortlists.

No protected characteristics (age, gender, ethnicity, health) are stored: there are no fields for them,
so matching cannot use them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from viaviden.core.models import (
    LONG_TEXT_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    BilingualName,
    TimeStampedModel,
    bounded_text,
)
from viaviden.reference.models import EducationLevel, Municipality


class StudyProgramme(TimeStampedModel):
    """A higher-education programme and its competence guide (kompetenceguide)."""

    slug = models.SlugField(max_length=100, unique=True)
    name_da = models.CharField(_("navn"), max_length=200)
    institution = models.CharField(_("institution"), max_length=100)
    level = models.ForeignKey(EducationLevel, on_delete=models.PROTECT, verbose_name=_("niveau"))
    degree_da = models.CharField(_("uddannelsestype"), max_length=200, blank=True)
    area_da = models.CharField(_("fakultet / område"), max_length=200, blank=True)
    cities = models.JSONField(_("byer"), default=list, blank=True)
    ects = models.PositiveSmallIntegerField(_("ECTS"), null=True, blank=True)
    competences_da = models.JSONField(_("kompetencer"), default=list, blank=True)
    typical_tasks_da = models.JSONField(_("typiske opgaver"), default=list, blank=True)
    source_url = models.URLField(_("kilde"), max_length=300, blank=True)
    source_year = models.PositiveSmallIntegerField(_("kildeår"), null=True, blank=True)
    # Set when a coordinator edits the guide in the UI; the reference loader then leaves it alone.
    edited_in_ui = models.BooleanField(default=False, editable=False)
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["name_da", "institution"]
        verbose_name = _("uddannelse")
        verbose_name_plural = _("uddannelser")

    def __str__(self) -> str:
        return f"{self.name_da} ({self.institution})"


class TaskArea(BilingualName, TimeStampedModel):
    """A kind of task companies ask about (marketing, IT operations, …)."""

    slug = models.SlugField(max_length=80, unique=True)
    name_da = models.CharField(_("navn"), max_length=200)
    name_en = models.CharField(_("navn på engelsk"), max_length=200, blank=True)
    description_da = bounded_text(_("beskrivelse"), blank=True, max_length=LONG_TEXT_MAX_LENGTH)
    keywords_da = models.JSONField(_("nøgleord"), default=list, blank=True)
    programmes = models.ManyToManyField(StudyProgramme, through="ProgrammeTaskArea", related_name="task_areas")
    edited_in_ui = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["name_da"]
        verbose_name = _("opgaveområde")
        verbose_name_plural = _("opgaveområder")

    def __str__(self) -> str:
        return self.label


class ProgrammeTaskArea(models.Model):
    """How well a programme fits a task area (weight 0.05–1.0)."""

    programme = models.ForeignKey(StudyProgramme, on_delete=models.CASCADE, related_name="area_fits")
    task_area = models.ForeignKey(TaskArea, on_delete=models.CASCADE, related_name="programme_fits")
    weight = models.FloatField(_("vægt"))

    class Meta:
        ordering = ["-weight"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "task_area"], name="uniq_programme_task_area"),
            models.CheckConstraint(condition=Q(weight__gt=0) & Q(weight__lte=1), name="task_area_weight_range"),
        ]


class VocabularyEntry(TimeStampedModel):
    """Words companies write (a job title, a tool, an acronym; Danish and English variants) and the task areas
    and programmes they point to, for the matching engine (data/reference/education/vocabulary.json)."""

    class Kind(models.TextChoices):
        TITLE = "title", _("Jobtitel")
        TOOL = "tool", _("Værktøj eller system")
        ACRONYM = "acronym", _("Forkortelse")
        TERM = "term", _("Fagord")
        PHRASE = "phrase", _("Hverdagsformulering")
        SECTOR = "sector", _("Branche")

    key = models.CharField(max_length=200, unique=True)  # the first term in lower case: the loader's key
    kind = models.CharField(_("slags"), max_length=20, choices=Kind.choices, default=Kind.TERM)
    terms_da = models.JSONField(_("ord og vendinger"), default=list)
    areas = models.JSONField(_("opgaveområder"), default=dict, blank=True)  # task-area slug -> weight 0..1
    programmes = models.JSONField(_("uddannelser"), default=dict, blank=True)  # programme slug -> weight 0..1
    edited_in_ui = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["key"]
        verbose_name = _("ordlisteopslag")
        verbose_name_plural = _("ordliste")

    def __str__(self) -> str:
        return ", ".join(self.terms_da[:3])


class Candidate(TimeStampedModel):
    """A highly educated person's profile (student, graduate or unemployed)."""

    class Kind(models.TextChoices):
        STUDENT = "student", _("Studerende")
        GRADUATE = "graduate", _("Dimittend")
        UNEMPLOYED = "unemployed", _("Ledig højtuddannet")
        EMPLOYED = "employed", _("I job, søger nyt")

    class CreatedVia(models.TextChoices):
        SELF = "self", _("Oprettet af personen selv")
        PARTNER = "partner", _("Oprettet af en partner med personens samtykke")

    kind = models.CharField(_("jeg er"), max_length=20, choices=Kind.choices, default=Kind.STUDENT)
    name = models.CharField(_("navn"), max_length=200)
    email = models.EmailField(_("e-mail"), unique=True)
    phone = models.CharField(_("telefon"), max_length=30, blank=True)
    programme = models.ForeignKey(StudyProgramme, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="candidates", verbose_name=_("uddannelse"))
    education_text = models.CharField(_("uddannelse (hvis den ikke er på listen)"), max_length=200, blank=True)
    institution = models.CharField(_("uddannelsesinstitution"), max_length=200, blank=True)
    level = models.ForeignKey(EducationLevel, null=True, blank=True, on_delete=models.PROTECT,
                              verbose_name=_("niveau"))
    expected_graduation = models.DateField(_("forventet færdig"), null=True, blank=True)
    competences = bounded_text(_("kompetencer"), blank=True, max_length=TEXT_MAX_LENGTH)
    experience = bounded_text(_("erfaring"), blank=True, max_length=TEXT_MAX_LENGTH)
    match_types = models.ManyToManyField("reference.MatchType", blank=True, related_name="+",
                                         verbose_name=_("ønskede samarbejdsformer"))
    available_from = models.DateField(_("kan starte fra"), null=True, blank=True)
    home_municipality = models.ForeignKey(Municipality, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+", verbose_name=_("bopælskommune"))
    max_travel_minutes = models.PositiveSmallIntegerField(_("højst rejsetid hver vej (minutter)"), null=True,
                                                          blank=True)
    willing_to_move = models.BooleanField(_("vil gerne flytte for det rigtige job"), default=False)

    created_via = models.CharField(max_length=20, choices=CreatedVia.choices, default=CreatedVia.SELF)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # The partner that works with the person (created the profile on their behalf or was contacted).
    organisation = models.ForeignKey("organisations.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="candidates", verbose_name=_("partner"))
    last_active_at = models.DateTimeField(default=timezone.now)
    retention_warning_sent_at = models.DateTimeField(null=True, blank=True)
    is_synthetic = models.BooleanField(_("syntetisk demodata"), default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("kandidat")
        verbose_name_plural = _("kandidater")
        # updated_at: the matching index's per-query sync reads profiles changed since it was built.
        indexes = [models.Index(fields=["last_active_at"]), models.Index(fields=["updated_at"])]

    def __str__(self) -> str:
        # Pseudonymous on purpose: the audit log stores str() as the object's label.
        return f"Kandidat K-{self.pk}"


class Consent(models.Model):
    """Consent for one purpose; withdrawing sets `withdrawn_at` (the record stays as evidence)."""

    class Purpose(models.TextChoices):
        MATCHING = "matching", _("Matchning: min profil må indgå i forslag til virksomheders behov")
        SHARING = "sharing", _("Deling: projektpartnerne må se mit navn og mine kontaktoplysninger")
        COMPANY_CONTACT = "company_contact", _("Kontakt: virksomheder må kontakte mig via en partner")

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    given_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    method = models.CharField(max_length=200, blank=True)  # e.g. "selvbetjening", "mundtligt ved samtale"
    text_version = models.CharField(max_length=20, default="2026-1")

    class Meta:
        ordering = ["-given_at"]
        # The matching index syncs on consents given or withdrawn since it was built.
        indexes = [models.Index(fields=["given_at"]), models.Index(fields=["withdrawn_at"])]
        constraints = [
            models.UniqueConstraint(fields=["candidate", "purpose"], condition=Q(withdrawn_at__isnull=True),
                                    name="one_active_consent_per_purpose"),
        ]


class Shortlist(TimeStampedModel):
    """A consultant's shortlist entry: a candidate suggested for a need."""

    class Status(models.TextChoices):
        SHORTLISTED = "shortlisted", _("På kortlisten")
        CONTACTED = "contacted", _("Kontaktet")
        INTERESTED = "interested", _("Interesseret")
        NOT_INTERESTED = "not_interested", _("Ikke interesseret")
        MATCHED = "matched", _("Matchet")

    need = models.ForeignKey("companies.Need", on_delete=models.CASCADE, related_name="shortlist")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="shortlists")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SHORTLISTED)
    reasons = models.JSONField(default=list, blank=True)
    note = bounded_text(blank=True, max_length=NOTE_MAX_LENGTH)
    contacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["need", "candidate"], name="uniq_shortlist_entry")]
