"""Cohorts (forløb) of job-search and upskilling courses with pseudonymous participants and their outcome.

A participant is never named: the partner's own identifier (their case number or the person's e-mail) is
stored only as an HMAC (`person_key`, the same pepper as matches), so the same person is recognised in a
later import or correction without the platform holding who it is. No CPR numbers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from viaviden.core.models import TimeStampedModel
from viaviden.organisations.models import Organisation
from viaviden.reference.models import EducationLevel

# Outcomes that count as "in work" for the effect figure (ordinary or subsidised job started).
WORK_OUTCOMES = ("ordinary_job", "subsidised_job")


class Cohort(TimeStampedModel):
    class Activity(models.TextChoices):
        JOB_SEARCH = "job_search", _("Jobsøgningsforløb")
        UPSKILLING = "upskilling", _("Opkvalificeringsforløb")
        OTHER = "other", _("Andet forløb")

    programme = models.ForeignKey("matches.Programme", on_delete=models.PROTECT, related_name="cohorts",
                                  verbose_name=_("programperiode"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cohorts",
                                     verbose_name=_("organisation"))
    activity = models.CharField(_("aktivitet"), max_length=20, choices=Activity.choices,
                                default=Activity.JOB_SEARCH)
    title = models.CharField(_("titel"), max_length=200)
    start_date = models.DateField(_("startdato"))
    end_date = models.DateField(_("slutdato"))
    external_id = models.CharField(_("eksternt id"), max_length=64, blank=True)
    note = models.CharField(_("bemærkning"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    is_synthetic = models.BooleanField(_("syntetisk demodata"), default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("forløb")
        verbose_name_plural = _("forløb")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="cohort_dates"),
            models.UniqueConstraint(fields=["organisation", "external_id"], condition=~Q(external_id=""),
                                    name="uniq_cohort_external_id"),
        ]
        indexes = [models.Index(fields=["programme", "organisation"], name="cohort_programme_org")]

    def __str__(self) -> str:
        return f"{self.title} ({self.start_date:%d-%m-%Y}–{self.end_date:%d-%m-%Y})"


class Participant(TimeStampedModel):
    class Outcome(models.TextChoices):
        ORDINARY_JOB = "ordinary_job", _("Ordinært job")
        SUBSIDISED_JOB = "subsidised_job", _("Job med løntilskud")
        EDUCATION = "education", _("Uddannelse")
        NONE = "none", _("Hverken job eller uddannelse")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="participants")
    number = models.PositiveIntegerField(_("deltagernummer"))
    person_key = models.CharField(max_length=64)
    education_level = models.ForeignKey(EducationLevel, null=True, blank=True, on_delete=models.PROTECT,
                                        verbose_name=_("uddannelsesniveau"))
    outcome = models.CharField(_("udfald"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_date = models.DateField(_("startdato for job/uddannelse"), null=True, blank=True)
    outcome_registered_at = models.DateTimeField(null=True, blank=True)
    outcome_registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                              on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["cohort_id", "number"]
        verbose_name = _("deltager")
        verbose_name_plural = _("deltagere")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "person_key"], name="uniq_cohort_person"),
            models.UniqueConstraint(fields=["cohort", "number"], name="uniq_cohort_number"),
            # A job or education has a start date; "none" and "not yet registered" have none.
            models.CheckConstraint(
                condition=(Q(outcome__in=["", "none"]) & Q(outcome_date__isnull=True))
                | (Q(outcome__in=["ordinary_job", "subsidised_job", "education"]) & Q(outcome_date__isnull=False)),
                name="participant_outcome_date",
            ),
        ]

    def __str__(self) -> str:
        return _("Deltager %(n)d") % {"n": self.number}

    @property
    def in_work(self) -> bool:
        return self.outcome in WORK_OUTCOMES
