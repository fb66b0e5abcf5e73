"""Events and bourses (SPEC 3.4): events with sign-up, waiting list and attendance; follow-up surveys;
bourse cases, participants, preferences and assignment runs.

Organisers: `organiser` is the lead organising partner (its staff edit the event, check in, mark it held);
`co_organisers` are further partners (their staff may edit and check in too). `Event.organisers` lists
both with the lead first.

Person data (names, e-mail addresses, phone numbers of people signing up, answering surveys or taking
part in a bourse) is masked in the audit log (see apps.py)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from viaviden.core.models import LONG_TEXT_MAX_LENGTH, NOTE_MAX_LENGTH, TEXT_MAX_LENGTH, TimeStampedModel, bounded_text
from viaviden.reference.models import EducationLevel, Municipality

CONSENT_TEXT_VERSION = "2026-1"


def new_token() -> str:
    return secrets.token_urlsafe(32)


class EventType(models.TextChoices):
    PROJECT_BOURSE = "project_bourse", _("Projektbørs")
    INTERNSHIP_BOURSE = "internship_bourse", _("Praktikbørs")
    STUDENT_JOB_BOURSE = "student_job_bourse", _("Studiejobbørs")
    MEET_AND_GREET = "meet_and_greet", _("Meet & Greet")
    MORNING_MEETING = "morning_meeting", _("Morgenmøde")
    AFTER_WORK_MEETING = "after_work_meeting", _("Fyraftensmøde")
    JOB_FAIR = "job_fair", _("Jobmesse")
    TALENT_ATTRACTION = "talent_attraction", _("Talent Attraction-arrangement")
    BRIDGE_BUILDING = "bridge_building", _("Brobygningsarrangement")
    JOB_SEARCH_COURSE = "job_search_course", _("Jobsøgningskursus eller workshop")
    THEME_DAY = "theme_day", _("Temadag")


BOURSE_TYPES = (EventType.PROJECT_BOURSE, EventType.INTERNSHIP_BOURSE, EventType.STUDENT_JOB_BOURSE)


class Audience(models.TextChoices):
    COMPANIES = "companies", _("Virksomheder")
    STUDENTS = "students", _("Studerende")
    GRADUATES = "graduates", _("Dimittender")
    UNEMPLOYED = "unemployed", _("Ledige højtuddannede")
    STAFF = "staff", _("Medarbejdere hos partnerne")


class Event(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Kladde")
        PUBLISHED = "published", _("Offentliggjort")
        CANCELLED = "cancelled", _("Aflyst")
        HELD = "held", _("Afholdt")

    title = models.CharField(_("titel"), max_length=200)
    type = models.CharField(_("type"), max_length=30, choices=EventType.choices)
    description = bounded_text(_("beskrivelse"), blank=True, max_length=LONG_TEXT_MAX_LENGTH)
    organiser = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT,
                                  related_name="organised_events", verbose_name=_("ansvarlig partner"))
    co_organisers = models.ManyToManyField("organisations.Organisation", blank=True, related_name="co_organised_events",
                                           verbose_name=_("medarrangører"))
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("kommune"))
    place = models.CharField(_("sted"), max_length=200)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    starts_at = models.DateTimeField(_("starter"))
    ends_at = models.DateTimeField(_("slutter"))
    # Audience (målgruppe): one flag per group, so the calendar filters portably on SQLite and PostgreSQL.
    for_companies = models.BooleanField(_("virksomheder"), default=False)
    for_students = models.BooleanField(_("studerende"), default=False)
    for_graduates = models.BooleanField(_("dimittender"), default=False)
    for_unemployed = models.BooleanField(_("ledige højtuddannede"), default=False)
    for_staff = models.BooleanField(_("medarbejdere hos partnerne"), default=False)
    capacity = models.PositiveIntegerField(_("antal pladser"), null=True, blank=True,
                                           help_text=_("Tom: ubegrænset."))
    waitlist_enabled = models.BooleanField(_("venteliste"), default=True)
    public = models.BooleanField(_("offentligt (åben tilmelding)"), default=True)
    signup_deadline = models.DateTimeField(_("tilmeldingsfrist"), null=True, blank=True)
    activity_target = models.ForeignKey("matches.ActivityTarget", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="events", verbose_name=_("tæller med i aktivitetsmål"))
    # A second target for the people who attended (e.g. "members in Talent Attraction events").
    participants_target = models.ForeignKey(
        "matches.ActivityTarget", null=True, blank=True, on_delete=models.SET_NULL, related_name="participant_events",
        verbose_name=_("deltagere tæller med i aktivitetsmål"),
    )
    # The activity registrations recorded automatically when the event was marked held (see
    # services.event_mark_held): kept so attendance corrections update them and every number is traceable.
    held_registration = models.ForeignKey("matches.ActivityRegistration", null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="+", editable=False)
    participants_registration = models.ForeignKey("matches.ActivityRegistration", null=True, blank=True,
                                                  on_delete=models.SET_NULL, related_name="+", editable=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    held_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # Bourse settings (only used for the bourse types).
    max_ranked_choices = models.PositiveSmallIntegerField(_("højst antal prioriterede cases"), default=5)
    preference_deadline = models.DateTimeField(_("frist for prioriteringer"), null=True, blank=True)
    case_deadline = models.DateTimeField(_("frist for cases"), null=True, blank=True)

    is_synthetic = models.BooleanField(_("syntetisk demodata"), default=False)
    version = models.PositiveIntegerField(default=1)

    AUDIENCE_FIELDS = {
        Audience.COMPANIES: "for_companies",
        Audience.STUDENTS: "for_students",
        Audience.GRADUATES: "for_graduates",
        Audience.UNEMPLOYED: "for_unemployed",
        Audience.STAFF: "for_staff",
    }

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("arrangement")
        verbose_name_plural = _("arrangementer")
        indexes = [
            models.Index(fields=["status", "public", "starts_at"]),
            models.Index(fields=["organiser", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%d-%m-%Y})"

    @property
    def audiences(self) -> list[str]:
        return [code for code, field in self.AUDIENCE_FIELDS.items() if getattr(self, field)]

    def audience_labels(self) -> list[str]:
        return [Audience(code).label for code in self.audiences]

    @property
    def organisers(self) -> list:
        """The lead organiser first, then the co-organisers (uses the prefetch cache when there is one)."""
        return [self.organiser, *[o for o in self.co_organisers.all() if o.pk != self.organiser_id]]

    @property
    def is_bourse(self) -> bool:
        return self.type in BOURSE_TYPES


class Registration(models.Model):
    """A sign-up of a person or a company (contact person) for an event."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        COMPANY = "company", _("Virksomhed")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Tilmeldt")
        WAITLISTED = "waitlisted", _("På venteliste")
        CANCELLED = "cancelled", _("Afmeldt")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    kind = models.CharField(_("tilmelding som"), max_length=20, choices=Kind.choices, default=Kind.PERSON)
    audience = models.CharField(_("jeg er"), max_length=20, choices=Audience.choices, blank=True)
    name = models.CharField(_("navn"), max_length=200)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("telefon"), max_length=30, blank=True)
    organisation_name = models.CharField(_("virksomhed / organisation"), max_length=200, blank=True)
    cvr = models.CharField(_("CVR-nummer"), max_length=8, blank=True)
    company = models.ForeignKey("companies.Company", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="event_registrations")
    candidate = models.ForeignKey("candidates.Candidate", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="event_registrations")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED)
    attended_at = models.DateTimeField(_("mødt op"), null=True, blank=True)
    consent_at = models.DateTimeField(_("samtykke givet"), null=True, blank=True)
    consent_text_version = models.CharField(max_length=20, blank=True)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_synthetic = models.BooleanField(_("syntetisk demodata"), default=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("tilmelding")
        verbose_name_plural = _("tilmeldinger")
        constraints = [
            models.UniqueConstraint(fields=["event", "email"], name="uniq_registration_email"),
            # A person's data is only kept with consent (SPEC 3.9).
            models.CheckConstraint(condition=~Q(kind="person") | Q(consent_at__isnull=False),
                                   name="person_registration_needs_consent"),
        ]
        indexes = [models.Index(fields=["event", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.name} · {self.event.title}"


class Survey(models.Model):
    """A short follow-up survey sent by e-mail link to one respondent (company or participant) after an
    event was held or a bourse collaboration was confirmed; the answers are stored on the same row."""

    class RespondentKind(models.TextChoices):
        COMPANY = "company", _("Virksomhed")
        PARTICIPANT = "participant", _("Deltager")

    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.CASCADE, related_name="surveys")
    registration = models.ForeignKey(Registration, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="surveys")
    # A confirmed bourse collaboration (the match registered from an accepted assignment).
    match = models.ForeignKey("matches.Match", null=True, blank=True, on_delete=models.CASCADE, related_name="surveys")
    bourse_run = models.ForeignKey("BourseRun", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="surveys")
    respondent_kind = models.CharField(max_length=20, choices=RespondentKind.choices)
    company = models.ForeignKey("companies.Company", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    collaboration_happened = models.BooleanField(_("blev samarbejdet til noget?"), null=True, blank=True)
    gained_knowledge = models.BooleanField(_("fik I ny viden eller inspiration?"), null=True, blank=True)
    comment = bounded_text(_("kommentar"), blank=True, max_length=NOTE_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    is_synthetic = models.BooleanField(_("syntetisk demodata"), default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("opfølgningsspørgeskema")
        verbose_name_plural = _("opfølgningsspørgeskemaer")
        constraints = [
            models.UniqueConstraint(fields=["event", "email"], condition=Q(event__isnull=False),
                                    name="uniq_event_survey_email"),
            models.UniqueConstraint(fields=["match", "respondent_kind"], condition=Q(match__isnull=False),
                                    name="uniq_match_survey_kind"),
        ]
        indexes = [models.Index(fields=["answered_at", "sent_at"])]


# --- Bourses ----------------------------------------------------------------------------------------


class CollaborationKind(models.TextChoices):
    """The kind of collaboration a bourse case offers; `match_type_code` gives the match type."""

    PROJECT = "project", _("Studieprojekt")
    INTERNSHIP = "internship", _("Studiepraktik")
    STUDENT_JOB = "student_job", _("Studiejob")


COLLABORATION_MATCH_TYPE = {
    CollaborationKind.PROJECT: "student_project",
    CollaborationKind.INTERNSHIP: "student_internship",
    CollaborationKind.STUDENT_JOB: "student_job",
}


class BourseCase(TimeStampedModel):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Indsendt")
        PUBLISHED = "published", _("Offentliggjort")
        REJECTED = "rejected", _("Afvist")
        WITHDRAWN = "withdrawn", _("Trukket tilbage")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="bourse_cases")
    company = models.ForeignKey("companies.Company", on_delete=models.PROTECT, related_name="bourse_cases",
                                verbose_name=_("virksomhed"))
    organisation = models.ForeignKey("organisations.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("hjælpende partner"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitter_name = models.CharField(_("kontaktperson"), max_length=200, blank=True)
    submitter_email = models.EmailField(_("e-mail"), blank=True)
    submitter_phone = models.CharField(_("telefon"), max_length=30, blank=True)
    title = models.CharField(_("overskrift"), max_length=200)
    challenge = bounded_text(_("udfordring"), max_length=TEXT_MAX_LENGTH)
    collaboration_kind = models.CharField(_("samarbejdsform"), max_length=20, choices=CollaborationKind.choices)
    wished_programmes = models.ManyToManyField("candidates.StudyProgramme", blank=True, related_name="+",
                                               verbose_name=_("ønskede uddannelser"))
    wished_levels = models.ManyToManyField(EducationLevel, blank=True, related_name="+",
                                           verbose_name=_("ønskede niveauer"))
    capacity = models.PositiveSmallIntegerField(_("antal studerende"), default=1)
    min_group_size = models.PositiveSmallIntegerField(_("mindste gruppestørrelse"), default=1)
    max_group_size = models.PositiveSmallIntegerField(_("største gruppestørrelse"), null=True, blank=True)
    timing = models.CharField(_("tidspunkt i studieåret"), max_length=200, blank=True)
    location_municipality = models.ForeignKey(Municipality, null=True, blank=True, on_delete=models.PROTECT,
                                              related_name="+", verbose_name=_("kommune"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    is_synthetic = models.BooleanField(_("syntetisk demodata"), default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["event", "title", "id"]
        verbose_name = _("børscase")
        verbose_name_plural = _("børscases")
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="bourse_case_capacity_positive"),
            models.CheckConstraint(condition=Q(min_group_size__gte=1), name="bourse_case_min_group_positive"),
            models.CheckConstraint(
                condition=Q(max_group_size__isnull=True) | Q(max_group_size__gte=models.F("min_group_size")),
                name="bourse_case_group_sizes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.company.name}"

    @property
    def match_type_code(self) -> str:
        return COLLABORATION_MATCH_TYPE[CollaborationKind(self.collaboration_kind)]


class BourseParticipant(TimeStampedModel):
    """A student or a study group taking part in a bourse. `members` is a list of
    {"name", "email", "programme" (StudyProgramme slug), "level" (KVU/MVU/LVU)}."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Enkeltperson")
        GROUP = "group", _("Gruppe")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="bourse_participants")
    kind = models.CharField(_("deltager"), max_length=20, choices=Kind.choices, default=Kind.INDIVIDUAL)
    name = models.CharField(_("navn / gruppenavn"), max_length=200)
    members = models.JSONField(_("medlemmer"), default=list, blank=True)
    size = models.PositiveSmallIntegerField(_("antal personer"), default=1)
    contact_email = models.EmailField(_("kontakt-e-mail"))
    candidate = models.ForeignKey("candidates.Candidate", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="bourse_participations")
    consent_at = models.DateTimeField(_("samtykke givet"), null=True, blank=True)
    consent_text_version = models.CharField(max_length=20, blank=True)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    is_synthetic = models.BooleanField(_("syntetisk demodata"), default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["event", "name", "id"]
        verbose_name = _("børsdeltager")
        verbose_name_plural = _("børsdeltagere")
        constraints = [
            models.CheckConstraint(condition=Q(size__gte=1), name="bourse_participant_size_positive"),
            models.UniqueConstraint(fields=["event", "contact_email"], name="uniq_bourse_participant_email"),
        ]

    def __str__(self) -> str:
        return self.name


class Preference(models.Model):
    """A participant's ranking of a case (1 = first choice)."""

    participant = models.ForeignKey(BourseParticipant, on_delete=models.CASCADE, related_name="preferences")
    case = models.ForeignKey(BourseCase, on_delete=models.CASCADE, related_name="preferences")
    rank = models.PositiveSmallIntegerField(_("prioritet"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["participant", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "rank"], name="uniq_preference_rank"),
            models.UniqueConstraint(fields=["participant", "case"], name="uniq_preference_case"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="preference_rank_positive"),
        ]


class CompanyPreference(models.Model):
    """A company's view on a participant for a case: an optional rank (1 = best) or a veto."""

    case = models.ForeignKey(BourseCase, on_delete=models.CASCADE, related_name="company_preferences")
    participant = models.ForeignKey(BourseParticipant, on_delete=models.CASCADE, related_name="company_preferences")
    rank = models.PositiveSmallIntegerField(_("prioritet"), null=True, blank=True)
    veto = models.BooleanField(_("fravalgt"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["case", "participant"], name="uniq_company_preference"),
            models.CheckConstraint(condition=Q(rank__isnull=True) | Q(rank__gte=1),
                                   name="company_preference_rank_positive"),
        ]


class BourseRun(models.Model):
    """One computed assignment. `input_snapshot` holds what it was computed from; `result` holds
    {"assignment": {participant_id: case_id}, "ranks": {...}, "unassigned": [{participant, reasons}],
    "verdict": ...} as the bourse module writes it."""

    class Mode(models.TextChoices):
        STABLE = "stable", _("Stabil (ingen blokerende par)")
        OPTIMAL = "optimal", _("Optimal (bedste samlede prioritet)")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="bourse_runs")
    mode = models.CharField(_("metode"), max_length=20, choices=Mode.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    input_snapshot = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    is_confirmed = models.BooleanField(_("godkendt"), default=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("børsfordeling")
        verbose_name_plural = _("børsfordelinger")
        constraints = [
            models.UniqueConstraint(fields=["event"], condition=Q(is_confirmed=True), name="one_confirmed_bourse_run"),
        ]


class AssignmentLock(models.Model):
    """A hand adjustment: staff fix a participant to a case before (re)computing."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="assignment_locks")
    participant = models.ForeignKey(BourseParticipant, on_delete=models.CASCADE, related_name="locks")
    case = models.ForeignKey(BourseCase, on_delete=models.CASCADE, related_name="locks")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "participant"], name="uniq_assignment_lock"),
        ]
