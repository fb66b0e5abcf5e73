"""The company register and the shared working space around it (SPEC 3.2): production units, the
contact log and hand-overs, needs (afdækning), referrals to services and the answer promise.

Company data is shared between all partners; contact notes that mention persons are visible only to
the author's organisation (SPEC 3.9)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from viaviden.core.models import NOTE_MAX_LENGTH, TEXT_MAX_LENGTH, TimeStampedModel, bounded_text
from viaviden.reference.models import EducationLevel, Industry, Municipality, SizeClass

from .cvr import validate_cvr


class Company(TimeStampedModel):
    cvr = models.CharField(_("CVR-nummer"), max_length=8, unique=True, validators=[validate_cvr])
    name = models.CharField(_("navn"), max_length=200)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="companies",
        verbose_name=_("kommune (arbejdssted)"),
    )
    industry = models.ForeignKey(
        Industry, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("branche (DB07)")
    )
    size_class = models.ForeignKey(
        SizeClass, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("størrelse")
    )
    # None: not known yet. SPEC 3.2 / seed: the platform's target group is companies without (many)
    # highly educated staff, so partners record it when they know.
    has_highly_educated_staff = models.BooleanField(
        _("har højtuddannede ansatte i dag"), null=True, blank=True
    )
    # A record merged into another one stays as a tombstone, so its CVR number still finds the company
    # and nothing of its history is lost (see services.company_merge).
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_records",
        verbose_name=_("sammenlagt med"),
    )
    is_synthetic = models.BooleanField(_("syntetisk demodata"), default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("virksomhed")
        verbose_name_plural = _("virksomheder")
        indexes = [models.Index(fields=["name"])]
        constraints = [
            models.CheckConstraint(condition=~Q(merged_into=models.F("id")), name="company_not_merged_into_self"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.cvr})"


class ProductionUnit(TimeStampedModel):
    """A production unit (produktionsenhed, P-nummer) of a company: a workplace with an address."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="units",
                                verbose_name=_("virksomhed"))
    p_number = models.CharField(_("P-nummer"), max_length=10, blank=True)
    name = models.CharField(_("navn"), max_length=200, blank=True)
    address = models.CharField(_("adresse"), max_length=200)
    postal_code = models.CharField(_("postnummer"), max_length=4)
    city = models.CharField(_("by"), max_length=100, blank=True)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("kommune"))
    is_primary = models.BooleanField(_("hovedarbejdssted"), default=False)

    class Meta:
        ordering = ["-is_primary", "name", "id"]
        verbose_name = _("produktionsenhed")
        verbose_name_plural = _("produktionsenheder")

    def __str__(self) -> str:
        return f"{self.address}, {self.postal_code} {self.city}".strip()


class CompanyMerge(models.Model):
    """Record of two company records merged into one; `moved` counts what was moved over."""

    survivor = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="merges")
    merged = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    merged_cvr = models.CharField(max_length=8)
    merged_name = models.CharField(max_length=200)
    moved = models.JSONField(default=dict)
    reason = models.CharField(_("begrundelse"), max_length=300, blank=True)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    merged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-merged_at"]


class ContactEntry(TimeStampedModel):
    """One line of the shared contact log (systematised follow-up, seed 5.3.1)."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Telefon")
        MEETING = "meeting", _("Møde")
        VISIT = "visit", _("Virksomhedsbesøg")
        EMAIL = "email", _("E-mail")
        VIDEO = "video", _("Videomøde")
        EVENT = "event", _("Arrangement")
        OTHER = "other", _("Andet")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="contact_entries",
                                verbose_name=_("virksomhed"))
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("registreret af"))
    contact_date = models.DateField(_("dato"), default=timezone.localdate)
    channel = models.CharField(_("kanal"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    topic = models.CharField(_("emne"), max_length=200)
    note = bounded_text(_("kort note"), blank=True, max_length=NOTE_MAX_LENGTH)
    # A note that mentions a person is personal data: only the author's organisation reads it.
    mentions_person = models.BooleanField(_("noten nævner en person"), default=False)
    need = models.ForeignKey("Need", null=True, blank=True, on_delete=models.SET_NULL, related_name="contact_entries",
                             verbose_name=_("behov"))
    next_step = models.CharField(_("næste skridt"), max_length=200, blank=True)
    next_step_due = models.DateField(_("næste skridt senest"), null=True, blank=True)
    next_step_owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="next_steps", verbose_name=_("ansvarlig for næste skridt"))
    next_step_done_at = models.DateTimeField(_("næste skridt udført"), null=True, blank=True)
    is_synthetic = models.BooleanField(_("syntetisk demodata"), default=False)

    class Meta:
        ordering = ["-contact_date", "-id"]
        verbose_name = _("kontakt")
        verbose_name_plural = _("kontaktlog")
        indexes = [
            models.Index(fields=["company", "contact_date"]),
            models.Index(fields=["next_step_owner", "next_step_due"], condition=Q(next_step_done_at__isnull=True),
                         name="contact_open_next_step"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(next_step="") | Q(next_step_due__isnull=False),
                                   name="next_step_has_date"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_date:%d-%m-%Y} · {self.topic}"


class Handover(TimeStampedModel):
    """A lead passed from one partner to another; the receiving organisation must accept it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Afventer modtager")
        ACCEPTED = "accepted", _("Modtaget")
        DECLINED = "declined", _("Afvist")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="handovers",
                                verbose_name=_("virksomhed"))
    need = models.ForeignKey("Need", null=True, blank=True, on_delete=models.SET_NULL, related_name="handovers",
                             verbose_name=_("behov"))
    from_organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+",
                                          verbose_name=_("fra"))
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    to_organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT,
                                        related_name="handovers_received", verbose_name=_("til"))
    message = bounded_text(_("besked til modtager"), max_length=TEXT_MAX_LENGTH)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    responded_at = models.DateTimeField(null=True, blank=True)
    response_note = bounded_text(_("svar"), blank=True, max_length=NOTE_MAX_LENGTH)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("overdragelse")
        verbose_name_plural = _("overdragelser")
        constraints = [
            models.CheckConstraint(condition=~Q(from_organisation=models.F("to_organisation")),
                                   name="handover_to_other_org"),
            models.CheckConstraint(condition=~Q(status="declined") | ~Q(response_note=""),
                                   name="handover_decline_has_reason"),
        ]


def new_public_token() -> str:
    return secrets.token_urlsafe(24)


class Need(TimeStampedModel):
    """A company's need (afdækning): tasks, wished match types and education, time and place. It is
    the job profile matching works from, and the request the answer promise applies to."""

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Afventer bekræftelse")  # self-service, e-mail not confirmed yet
        NEW = "new", _("Ny")
        IN_PROGRESS = "in_progress", _("I gang")
        MATCHED = "matched", _("Matchet")
        CLOSED = "closed", _("Lukket")

    class Source(models.TextChoices):
        STAFF = "staff", _("Registreret af partner")
        SELF_SERVICE = "self_service", _("Virksomhedens egen henvendelse")

    class Answer(models.TextChoices):
        MATCH = "match", _("Match")
        ALTERNATIVE = "alternative", _("Alternativt tilbud")
        NO_MATCH = "no_match", _("Intet match (med begrundelse)")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="needs", verbose_name=_("virksomhed"))
    title = models.CharField(_("overskrift"), max_length=200)
    tasks = bounded_text(_("opgaver virksomheden vil have løst"), max_length=TEXT_MAX_LENGTH)
    recognised = models.BooleanField(
        _("erkendt behov"), default=True,
        help_text=_("Fjern krydset, hvis behovet er uerkendt: virksomheden har ikke selv set det endnu."),
    )
    match_types = models.ManyToManyField("reference.MatchType", blank=True, related_name="+",
                                         verbose_name=_("ønskede matchtyper"))
    education_levels = models.ManyToManyField(EducationLevel, blank=True, related_name="+",
                                              verbose_name=_("ønskede uddannelsesniveauer"))
    level_unknown = models.BooleanField(_("ved ikke hvilket niveau"), default=False)
    education_wish = models.CharField(_("ønsket uddannelse eller kompetencer"), max_length=300, blank=True)
    time_frame = models.CharField(_("tidsramme"), max_length=200, blank=True)
    earliest_start = models.DateField(_("tidligst start"), null=True, blank=True)
    place_municipality = models.ForeignKey(Municipality, null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+", verbose_name=_("arbejdssted (kommune)"))
    place = models.CharField(_("sted"), max_length=200, blank=True)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    owner_organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT,
                                           related_name="owned_needs", verbose_name=_("ansvarlig organisation"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="owned_needs", verbose_name=_("ansvarlig medarbejder"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    source = models.CharField(_("kilde"), max_length=20, choices=Source.choices, default=Source.STAFF)

    # The answer promise (SPEC 3.2): a request gets a deadline in working days and is only closed with
    # an answer. `requested_at` is None for needs that are not company requests.
    requested_at = models.DateTimeField(_("henvendelse modtaget"), null=True, blank=True)
    answer_due = models.DateField(_("svarfrist"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(_("besvaret"), null=True, blank=True)
    answer = models.CharField(_("svar"), max_length=20, choices=Answer.choices, blank=True)
    answer_note = bounded_text(_("begrundelse / svar til virksomheden"), blank=True, max_length=NOTE_MAX_LENGTH)
    closed_at = models.DateTimeField(null=True, blank=True)

    # Self-service: who asked, the e-mail confirmation and the private status link.
    submitter_name = models.CharField(_("kontaktperson"), max_length=200, blank=True)
    submitter_email = models.EmailField(_("e-mail"), blank=True)
    submitter_phone = models.CharField(_("telefon"), max_length=30, blank=True)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    public_token = models.CharField(max_length=64, unique=True, default=new_public_token, editable=False)

    is_synthetic = models.BooleanField(_("syntetisk demodata"), default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("behov")
        verbose_name_plural = _("behov")
        indexes = [
            models.Index(fields=["status", "answer_due"]),
            models.Index(fields=["owner_organisation", "status"]),
        ]
        constraints = [
            # A need is only matched or closed with an answer recorded (the answer promise).
            models.CheckConstraint(
                condition=~Q(status__in=["matched", "closed"]) | (~Q(answer="") & Q(answered_at__isnull=False)),
                name="need_closed_has_answer",
            ),
            models.CheckConstraint(condition=~Q(answer="no_match") | ~Q(answer_note=""),
                                   name="need_no_match_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.company.name}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.NEW, self.Status.IN_PROGRESS)


class NeedEvent(models.Model):
    """One step in a need's history. `public` steps are shown on the company's private status page."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Henvendelse modtaget")
        CONFIRMED = "confirmed", _("E-mail bekræftet")
        CREATED = "created", _("Behov registreret")
        UPDATED = "updated", _("Behov opdateret")
        ASSIGNED = "assigned", _("Ansvarlig ændret")
        STATUS = "status", _("Status ændret")
        REFERRED = "referred", _("Henvist")
        REFERRAL_ACCEPTED = "referral_accepted", _("Henvisning accepteret")
        REFERRAL_QUESTION = "referral_question", _("Spørgsmål til henvisning")
        REFERRAL_ANSWERED = "referral_answered", _("Spørgsmål besvaret")
        REFERRAL_DECLINED = "referral_declined", _("Henvisning afvist med alternativ")
        HANDED_OVER = "handed_over", _("Overdraget")
        MATCHED = "matched", _("Match registreret")
        ANSWERED = "answered", _("Besvaret")
        CLOSED = "closed", _("Lukket")
        REMINDER = "reminder", _("Påmindelse sendt")

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    organisation = models.ForeignKey("organisations.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    public = models.BooleanField(default=True)
    text = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]


class Referral(TimeStampedModel):
    """A need sent to the service best placed to help (henvisning). The receiver accepts, asks a
    question, or declines with an alternative; each step is timed and notified."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sendt")
        QUESTION = "question", _("Spørgsmål stillet")
        ACCEPTED = "accepted", _("Accepteret")
        DECLINED = "declined", _("Afvist med alternativ")
        WITHDRAWN = "withdrawn", _("Trukket tilbage")

    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("behov"))
    service = models.ForeignKey("organisations.Service", on_delete=models.PROTECT, related_name="referrals",
                                verbose_name=_("ydelse"))
    from_organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+",
                                          verbose_name=_("henvist af"))
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    message = bounded_text(_("besked til modtager"), blank=True, max_length=TEXT_MAX_LENGTH)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SENT)
    due = models.DateField(_("svarfrist"))
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    question = bounded_text(_("spørgsmål"), blank=True, max_length=NOTE_MAX_LENGTH)
    question_answer = bounded_text(_("svar på spørgsmål"), blank=True, max_length=NOTE_MAX_LENGTH)
    decline_reason = bounded_text(_("begrundelse"), blank=True, max_length=NOTE_MAX_LENGTH)
    alternative_service = models.ForeignKey("organisations.Service", null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="+", verbose_name=_("foreslået alternativ ydelse"))
    alternative_text = bounded_text(_("foreslået alternativ"), blank=True, max_length=NOTE_MAX_LENGTH)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    responded_at = models.DateTimeField(_("besvaret"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("henvisning")
        verbose_name_plural = _("henvisninger")
        indexes = [models.Index(fields=["status", "due"])]
        constraints = [
            # Declining is only allowed with an alternative suggestion (SPEC 3.2).
            models.CheckConstraint(
                condition=~Q(status="declined")
                | (Q(alternative_service__isnull=False) | ~Q(alternative_text="")),
                name="referral_decline_has_alternative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.need} → {self.service}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.SENT, self.Status.QUESTION)


class AnswerRule(models.Model):
    """The answer promise's deadline, as data with a validity date (STYLE: rules are data)."""

    valid_from = models.DateField(_("gælder fra"), unique=True)
    working_days = models.PositiveSmallIntegerField(_("svarfrist i arbejdsdage"), default=10)
    remind_days_before = models.PositiveSmallIntegerField(_("påmind antal arbejdsdage før fristen"), default=2)
    note = models.CharField(_("bemærkning"), max_length=300, blank=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("svarfrist")
        verbose_name_plural = _("svarfrister")
        constraints = [models.CheckConstraint(condition=Q(working_days__gte=1), name="answer_rule_positive")]
