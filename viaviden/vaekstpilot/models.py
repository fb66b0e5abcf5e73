"""Nordjysk Vækstpilot (SPEC 3.5, seed 5.1.3 and 5.1.4.1): the hiring subsidy run by Erhvervshus
Nordjylland with the partners.

- `SchemeRule`: every parameter of the scheme with validity dates (amounts in øre), loaded from
  data/reference/vaekstpilot.json and edited in the UI by the coordinators and the lead partner.
- `Quota`: the funded number of pilots (and subsidy money) of one project year; its row is the lock
  that serialises grants, so concurrent applications never get more than is funded.
- `Application`: one pilot from application to follow-up (company, growth task, person, wage, dates,
  eligibility, queue place, decision, start, termination).
- `PilotMonth`: one calendar month of the pilot period: reported wage, employment confirmed, subsidy.
- `PaymentList`: a batch of approved months sent to the finance system (CSV).
- `FollowUp`: the person's status at the end of the pilot and some months later (the 88 % target).
- `ApplicationEvent`: the application's history; `public` events are shown on the company's status page.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from viaviden.core.models import NOTE_MAX_LENGTH, TEXT_MAX_LENGTH, TimeStampedModel, bounded_text

from .calculation import days_in_month


def new_public_token() -> str:
    return secrets.token_urlsafe(24)


class SchemeRule(TimeStampedModel):
    """The scheme's rules and amounts for a period. The rule valid on a pilot's start date applies."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(_("navn"), max_length=200)
    valid_from = models.DateField(_("gælder fra"))
    valid_to = models.DateField(_("gælder til og med"), null=True, blank=True)
    lead_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("leadpartner"),
        help_text=_("Organisationen, der træffer afgørelser, godkender undtagelser og udbetaler."),
    )
    subsidy_share_percent = models.PositiveSmallIntegerField(
        _("tilskud i procent af lønnen"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    monthly_cap_ore = models.PositiveIntegerField(_("højst pr. måned (øre)"), validators=[MinValueValidator(1)])
    months = models.PositiveSmallIntegerField(
        _("antal måneder med tilskud"), validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    internship_weeks = models.PositiveSmallIntegerField(
        _("forudgående virksomhedspraktik, højst uger"), default=0,
        help_text=_("0: ingen praktik forud for forløbet."),
    )
    internship_required = models.BooleanField(_("praktik forud er et krav"), default=False)
    wage_subsidy_months = models.PositiveSmallIntegerField(
        _("ledighed, der giver ret til løntilskud (måneder)"), validators=[MinValueValidator(1)],
        help_text=_("Er personen på startdatoen ledig i mindst så mange måneder, har personen ret til løntilskud "
                    "og kan ikke være vækstpilot."),
    )
    education_levels = models.ManyToManyField(
        "reference.EducationLevel", related_name="+", verbose_name=_("uddannelsesniveauer")
    )
    municipalities = models.ManyToManyField(
        "reference.Municipality", related_name="+", verbose_name=_("kommuner, hvor arbejdsstedet kan ligge")
    )
    private_only = models.BooleanField(_("kun private virksomheder"), default=True)
    pilots_per_year = models.PositiveIntegerField(_("finansierede vækstpiloter pr. projektår"))
    pilots_per_year_max = models.PositiveIntegerField(
        _("vækstpiloter pr. projektår, højeste scenarie"), null=True, blank=True
    )
    budget_per_pilot_ore = models.PositiveBigIntegerField(_("budget pr. vækstpilot (øre)"))
    overhead_per_pilot_ore = models.PositiveBigIntegerField(
        _("ledelse, administration, evaluering og revision pr. vækstpilot (øre)")
    )
    deb_share_max_percent = models.PositiveSmallIntegerField(
        _("DEB's støtteprocent, højst"), validators=[MaxValueValidator(100)]
    )
    budget_scenarios = models.JSONField(_("budgetscenarier (antal vækstpiloter)"), default=list, blank=True)
    continuing_target_percent = models.PositiveSmallIntegerField(
        _("mål: andel i ordinær beskæftigelse efter forløbet (%)"), validators=[MaxValueValidator(100)]
    )
    follow_up_months = models.PositiveSmallIntegerField(
        _("anden opfølgning, måneder efter forløbet"), validators=[MinValueValidator(1)]
    )
    report_due_days = models.PositiveSmallIntegerField(
        _("løn indberettes senest dage efter månedens udløb"), default=10
    )
    source = models.CharField(_("kilde"), max_length=300)
    source_year = models.PositiveSmallIntegerField(_("kildens år"))
    edited_in_ui = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("regel for Nordjysk Vækstpilot")
        verbose_name_plural = _("regler for Nordjysk Vækstpilot")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="vaekstpilot_rule_dates",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def max_subsidy_per_pilot_ore(self) -> int:
        """The most a pilot can receive: the cap in every month (the cap binds for wages ≥ cap / share)."""
        return self.monthly_cap_ore * self.months

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class Quota(TimeStampedModel):
    """The funded pilots and subsidy money of one project year. Grants lock this row (select_for_update)."""

    programme = models.ForeignKey("matches.Programme", on_delete=models.PROTECT, related_name="+")
    project_year = models.PositiveSmallIntegerField(_("projektår"))
    funded_pilots = models.PositiveIntegerField(_("finansierede vækstpiloter"))
    funded_amount_ore = models.PositiveBigIntegerField(_("finansieret tilskud (øre)"))
    # The last arrival number handed out in this project year (the queue order).
    last_sequence = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["project_year"]
        verbose_name = _("kvote")
        verbose_name_plural = _("kvoter")
        constraints = [
            models.UniqueConstraint(fields=["programme", "project_year"], name="uniq_vaekstpilot_quota"),
        ]

    def __str__(self) -> str:
        return f"{self.project_year}/{(self.project_year + 1) % 100:02d}"


class Application(TimeStampedModel):
    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Afventer bekræftelse af e-mail")
        INELIGIBLE = "ineligible", _("Opfylder ikke betingelserne")
        EXCEPTION_REQUESTED = "exception_requested", _("Undtagelse afventer leadpartneren")
        WAITING = "waiting", _("På venteliste")
        GRANTED = "granted", _("Bevilget")
        STARTED = "started", _("I gang")
        COMPLETED = "completed", _("Gennemført")
        TERMINATED = "terminated", _("Stoppet før tid")
        WITHDRAWN = "withdrawn", _("Trukket tilbage")
        REJECTED = "rejected", _("Afvist")

    class Source(models.TextChoices):
        STAFF = "staff", _("Partner på virksomhedens vegne")
        SELF_SERVICE = "self_service", _("Virksomheden selv (formular)")
        API = "api", _("API")

    programme = models.ForeignKey("matches.Programme", on_delete=models.PROTECT, related_name="+")
    project_year = models.PositiveSmallIntegerField(_("projektår"))
    scheme_rule = models.ForeignKey(SchemeRule, on_delete=models.PROTECT, related_name="applications")

    company = models.ForeignKey("companies.Company", on_delete=models.PROTECT, related_name="vaekstpilot_applications",
                                verbose_name=_("virksomhed"))
    workplace_municipality = models.ForeignKey(
        "reference.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name=_("arbejdsstedets kommune")
    )
    workplace_postal_code = models.CharField(_("arbejdsstedets postnummer"), max_length=4, blank=True)
    company_is_private = models.BooleanField(_("privat virksomhed"))
    partner_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("ansvarlig partner"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    source = models.CharField(_("kilde"), max_length=20, choices=Source.choices, default=Source.STAFF)

    growth_task = bounded_text(_("vækstopgaven"), max_length=TEXT_MAX_LENGTH)
    contact_name = models.CharField(_("kontaktperson i virksomheden"), max_length=200)
    contact_email = models.EmailField(_("kontaktpersonens e-mail"))
    contact_phone = models.CharField(_("kontaktpersonens telefon"), max_length=30, blank=True)

    # The person: pseudonymous unless they consented to their name being registered. Never a CPR number.
    person_name = models.CharField(_("personens navn"), max_length=200, blank=True)
    person_consent_at = models.DateTimeField(_("samtykke til navn givet"), null=True, blank=True)
    education = models.CharField(_("uddannelse"), max_length=200)
    institution = models.CharField(_("uddannelsesinstitution"), max_length=200, blank=True)
    education_level = models.ForeignKey("reference.EducationLevel", on_delete=models.PROTECT, related_name="+",
                                        verbose_name=_("uddannelsesniveau"))
    graduation_date = models.DateField(_("dimissionsdato"))
    unemployment_start = models.DateField(_("ledig siden"))

    monthly_wage_ore = models.PositiveIntegerField(_("månedsløn (øre)"))
    start_date = models.DateField(_("startdato"))
    end_date = models.DateField(_("slutdato"))
    internship_start = models.DateField(_("praktik fra"), null=True, blank=True)
    internship_end = models.DateField(_("praktik til"), null=True, blank=True)

    # Eligibility: [{"code": ..., "field": ..., "message": ...}] from eligibility.check (Danish, as stored).
    failed_rules = models.JSONField(default=list, blank=True)
    exception_justification = bounded_text(_("begrundelse for undtagelse"), blank=True, max_length=TEXT_MAX_LENGTH)
    exception_requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                               on_delete=models.SET_NULL, related_name="+")
    exception_requested_at = models.DateTimeField(null=True, blank=True)
    exception_approved = models.BooleanField(null=True, blank=True)
    exception_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                             on_delete=models.SET_NULL, related_name="+")
    exception_decided_at = models.DateTimeField(null=True, blank=True)
    exception_note = bounded_text(_("leadpartnerens bemærkning"), blank=True, max_length=NOTE_MAX_LENGTH)

    status = models.CharField(_("status"), max_length=30, choices=Status.choices, default=Status.UNCONFIRMED)
    # Arrival number in the project year's queue, handed out under the quota lock.
    sequence = models.PositiveIntegerField(_("nummer i køen"), null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    granted_at = models.DateTimeField(null=True, blank=True)
    # The grant (tilsagn): months × min(share × stated wage, cap). Payments never exceed it.
    granted_amount_ore = models.PositiveBigIntegerField(_("bevilget tilskud (øre)"), default=0)
    # What the application holds of the year's money: the grant while running; what was paid when it ended.
    reserved_amount_ore = models.PositiveBigIntegerField(default=0)
    decision_note = bounded_text(_("begrundelse"), blank=True, max_length=NOTE_MAX_LENGTH)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    terminated_on = models.DateField(_("ansættelsen ophørte"), null=True, blank=True)
    match = models.OneToOneField("matches.Match", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="vaekstpilot_application", verbose_name=_("match"))

    public_token = models.CharField(max_length=64, unique=True, default=new_public_token, editable=False)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    is_synthetic = models.BooleanField(_("syntetisk demodata"), default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("vækstpilot-ansøgning")
        verbose_name_plural = _("vækstpilot-ansøgninger")
        indexes = [
            models.Index(fields=["programme", "project_year", "status"], name="vp_app_queue"),
            models.Index(fields=["status", "sequence"], name="vp_app_status_seq"),
            models.Index(fields=["partner_organisation", "status"], name="vp_app_partner"),
            models.Index(fields=["is_synthetic"], condition=Q(is_synthetic=True), name="vp_app_synthetic"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(person_name="") | Q(person_consent_at__isnull=False),
                                   name="vp_person_name_needs_consent"),
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="vp_app_dates"),
            models.CheckConstraint(
                condition=(Q(internship_start__isnull=True) & Q(internship_end__isnull=True))
                | (Q(internship_start__isnull=False) & Q(internship_end__isnull=False)
                   & Q(internship_end__gte=models.F("internship_start"))),
                name="vp_internship_dates",
            ),
            models.CheckConstraint(condition=~Q(status="rejected") | ~Q(decision_note=""),
                                   name="vp_rejection_has_reason"),
            models.UniqueConstraint(fields=["programme", "project_year", "sequence"],
                                    condition=Q(sequence__isnull=False), name="uniq_vp_sequence"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.company.name}"

    @property
    def reference(self) -> str:
        return f"VP-{self.pk:05d}" if self.pk else "VP-?"

    @property
    def holds_place(self) -> bool:
        return self.status in PLACE_STATUSES

    @property
    def project_year_label(self) -> str:
        return f"{self.project_year}/{(self.project_year + 1) % 100:02d}"


# Statuses that hold one of the year's funded places (a terminated pilot used its place).
PLACE_STATUSES = (
    Application.Status.GRANTED, Application.Status.STARTED, Application.Status.COMPLETED,
    Application.Status.TERMINATED,
)
# Statuses where the pilot has run (or runs): months are reported and followed up.
RUN_STATUSES = (Application.Status.STARTED, Application.Status.COMPLETED, Application.Status.TERMINATED)


class PaymentList(models.Model):
    """A batch of approved months sent to the finance system; each month is on at most one list."""

    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    total_ore = models.PositiveBigIntegerField(default=0)
    months_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("udbetalingsliste")
        verbose_name_plural = _("udbetalingslister")

    def __str__(self) -> str:
        return f"{_('Udbetalingsliste')} {self.pk}"


class PilotMonth(models.Model):
    """One calendar month of the pilot period. A part month covers `period_start`..`period_end`."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Afventer indberetning")
        REPORTED = "reported", _("Indberettet")
        APPROVED = "approved", _("Godkendt til udbetaling")
        LISTED = "listed", _("Sendt til udbetaling")
        CANCELLED = "cancelled", _("Bortfaldet")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="months")
    month = models.DateField(_("måned"))  # the first day of the calendar month
    period_start = models.DateField(_("fra"))
    period_end = models.DateField(_("til"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    wage_ore = models.PositiveIntegerField(_("udbetalt løn (øre)"), null=True, blank=True)
    employment_confirmed = models.BooleanField(_("ansættelsen bekræftet"), default=False)
    reported_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reported_by_company = models.BooleanField(default=False)
    subsidy_ore = models.PositiveIntegerField(_("tilskud (øre)"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    payment_list = models.ForeignKey(PaymentList, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="months")
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application_id", "month"]
        verbose_name = _("tilskudsmåned")
        verbose_name_plural = _("tilskudsmåneder")
        constraints = [
            models.UniqueConstraint(fields=["application", "month"], name="uniq_vp_month"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="vp_month_period"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "cancelled"]) | (Q(wage_ore__isnull=False)
                                                                    & Q(subsidy_ore__isnull=False)),
                name="vp_month_reported_has_amounts",
            ),
            models.CheckConstraint(condition=~Q(status="listed") | Q(payment_list__isnull=False),
                                   name="vp_month_listed_has_list"),
        ]
        indexes = [models.Index(fields=["status", "month"], name="vp_month_status")]

    def __str__(self) -> str:
        return f"{self.application.reference} {self.month:%m-%Y}"

    @property
    def days(self) -> int:
        return (self.period_end - self.period_start).days + 1

    @property
    def is_part_month(self) -> bool:
        return self.days < days_in_month(self.month)


class FollowUp(models.Model):
    """Is the person in ordinary employment? Asked at the end of the pilot and some months later."""

    class Kind(models.TextChoices):
        END = "end", _("Ved forløbets afslutning")
        LATER = "later", _("Måneder efter forløbet")

    class Outcome(models.TextChoices):
        SAME_COMPANY = "same_company", _("Ordinært ansat i samme virksomhed")
        OTHER_COMPANY = "other_company", _("Ordinært ansat i en anden virksomhed")
        NOT_EMPLOYED = "not_employed", _("Ikke i ordinær beskæftigelse")
        UNKNOWN = "unknown", _("Ukendt (kunne ikke oplyses)")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="follow_ups")
    kind = models.CharField(_("opfølgning"), max_length=10, choices=Kind.choices)
    due_date = models.DateField(_("dato"))
    outcome = models.CharField(_("status for personen"), max_length=20, choices=Outcome.choices, blank=True)
    note = bounded_text(_("bemærkning"), blank=True, max_length=NOTE_MAX_LENGTH)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    answered_by_company = models.BooleanField(default=False)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application_id", "due_date"]
        verbose_name = _("opfølgning")
        verbose_name_plural = _("opfølgninger")
        constraints = [
            models.UniqueConstraint(fields=["application", "kind"], name="uniq_vp_follow_up"),
            models.CheckConstraint(condition=Q(outcome="") | Q(answered_at__isnull=False),
                                   name="vp_follow_up_answered"),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference} · {self.get_kind_display()}"

    @property
    def in_ordinary_employment(self) -> bool:
        return self.outcome in (self.Outcome.SAME_COMPANY, self.Outcome.OTHER_COMPANY)


class ApplicationEvent(models.Model):
    """A step in an application's life. Public events are what the company sees: never people's names."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=40)
    text = bounded_text(max_length=TEXT_MAX_LENGTH)
    public = models.BooleanField(default=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")

    class Meta:
        ordering = ["at", "id"]
