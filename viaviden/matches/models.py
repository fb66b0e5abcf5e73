"""The match registry, programme periods, targets and activity targets (SPEC 3.1) — the heart."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from viaviden.companies.models import Company
from viaviden.core.models import NOTE_MAX_LENGTH, TimeStampedModel, bounded_text
from viaviden.organisations.access import partner_org_ids
from viaviden.organisations.models import Organisation
from viaviden.reference.models import BasisDataset, EducationLevel, MatchType, Municipality


class Programme(TimeStampedModel):
    """A project period with its targets and rules (Vækst Via Viden 2.0; a later 3.0 is new data)."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("navn"), max_length=200)
    start_date = models.DateField(_("startdato"))
    end_date = models.DateField(_("slutdato"))
    year_start_month = models.PositiveSmallIntegerField(
        _("projektår begynder i måned"), default=7,
        help_text=_("Projektår løber fra denne måned (7 = juli–juni)."),
    )
    total_target = models.PositiveIntegerField(_("samlet måltal"))
    municipal_target = models.PositiveIntegerField(_("måltal for kommunerne"))
    partner_target = models.PositiveIntegerField(_("måltal for øvrige projektpartnere"))
    duplicate_window_days = models.PositiveIntegerField(
        _("dubletvindue (dage)"), default=31,
        help_text=_("Samme person, virksomhed og matchtype med start inden for så mange dage er ét match."),
    )
    basis_dataset = models.ForeignKey(
        BasisDataset, null=True, blank=True, on_delete=models.PROTECT,
        verbose_name=_("fordelingsgrundlag"),
    )
    excluded_municipalities = models.ManyToManyField(
        Municipality, blank=True, related_name="+", verbose_name=_("kommuner uden for fordelingen")
    )
    partner_split_note = bounded_text(_("grundlag for partnerfordeling"), blank=True, max_length=NOTE_MAX_LENGTH)
    is_current = models.BooleanField(_("aktuel periode"), default=False)
    # A made-up period of the demo data set (viaviden/demo), shown as synthetic wherever it is the current one.
    is_synthetic = models.BooleanField(_("syntetisk demodata"), default=False)

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("programperiode")
        verbose_name_plural = _("programperioder")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="programme_dates"),
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="one_current_programme"),
        ]

    def __str__(self) -> str:
        return self.name

    def project_year_of(self, day: dt.date) -> int:
        """The calendar year in which the project year containing `day` starts (2020 = 2020/21)."""
        return day.year if day.month >= self.year_start_month else day.year - 1

    def project_years(self) -> list[int]:
        first = self.project_year_of(self.start_date)
        last = self.project_year_of(self.end_date)
        return list(range(first, last + 1))

    def contains(self, day: dt.date) -> bool:
        return self.start_date <= day <= self.end_date


class Activity(models.TextChoices):
    """Where a match came from (the activity of the project that produced it)."""

    BOURSE = "bourse", _("Børs (projekt-, praktik- eller studiejobbørs)")
    REGIONAL_EVENT = "regional_event", _("Regionalt samarbejdsarrangement")
    MEET_AND_GREET = "meet_and_greet", _("Meet & Greet / morgen- og fyraftensmøde")
    TALENT_ATTRACTION = "talent_attraction", _("Talent Attraction-arrangement")
    BRIDGE_BUILDING = "bridge_building", _("Brobygningsarrangement")
    RECRUITMENT_SERVICE = "recruitment_service", _("Rekrutteringsservice")
    CENTRAL_MATCHING = "central_matching", _("Central Matchningsenhed")
    JOB_SEARCH_COURSE = "job_search_course", _("Jobsøgningsforløb")
    JOB_FAIR = "job_fair", _("Jobmesse")
    VAEKSTPILOT = "vaekstpilot", _("Nordjysk Vækstpilot")
    COMPANY_CONTACT = "company_contact", _("Virksomhedskontakt / opsøgende arbejde")
    OTHER = "other", _("Andet")


class ImportBatch(TimeStampedModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows_total = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_merged = models.PositiveIntegerField(default=0)
    rows_already_imported = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]


class MatchQuerySet(models.QuerySet):
    def visible_to(self, user) -> MatchQuerySet:
        """The matches the user may see individually: coordinators all, the steering group none, partner
        staff those their partner registered or contributed to. The one rule; `permissions.visible_matches`
        and the apps below matches (a need's or a company's matches, through the relation) call it."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.sees_everything:
            return self
        if user.aggregates_only or user.organisation_id is None:
            return self.none()
        orgs = partner_org_ids(user)
        contributed = MatchContribution.objects.filter(match=models.OuterRef("pk"), organisation_id__in=orgs)
        return self.filter(Q(registering_org_id__in=orgs) | models.Exists(contributed))

    def counting(self) -> MatchQuerySet:
        """The matches that count (every status but rejected)."""
        return self.exclude(status=Match.Status.REJECTED)


class Match(TimeStampedModel):
    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registreret")
        VERIFIED = "verified", _("Verificeret")
        REJECTED = "rejected", _("Afvist")

    # Every index on this table is paid by each insert (an import writes 100,000 rows), so a foreign key whose
    # column already leads a composite index below gets no index of its own (db_index=False), and the keys to
    # text primary keys get a plain index in Meta.indexes instead of the default pair (PostgreSQL adds a
    # `varchar_pattern_ops` twin for LIKE, which no query of a code or key uses).
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="matches", db_index=False)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="matches",
                                verbose_name=_("virksomhed"), db_index=False)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="matches",
        verbose_name=_("arbejdsstedets kommune"), db_index=False,
    )
    match_type = models.ForeignKey(MatchType, on_delete=models.PROTECT, verbose_name=_("matchtype"),
                                   db_index=False)
    start_date = models.DateField(_("startdato"))

    # The person: pseudonymous by default (education and level only). `person_key` is an HMAC of an
    # identifier the partner knows (e-mail or own id); it lets duplicates be found without storing it. Not
    # indexed: duplicates are looked up per company (the company index), never by the key alone.
    person_key = models.CharField(max_length=64, blank=True)
    person_name = models.CharField(_("navn"), max_length=200, blank=True)
    person_email = models.EmailField(_("e-mail"), blank=True)
    person_consent_at = models.DateTimeField(_("samtykke givet"), null=True, blank=True)
    institution = models.CharField(_("uddannelsesinstitution"), max_length=200, blank=True)
    education = models.CharField(_("uddannelse"), max_length=200, blank=True)
    education_level = models.ForeignKey(
        EducationLevel, on_delete=models.PROTECT, verbose_name=_("uddannelsesniveau"), db_index=False
    )

    registering_org = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="registered_matches",
        verbose_name=_("registreret af"),
    )
    # The partner the match counts for (the municipality for its jobcentre/business office).
    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    contributors = models.ManyToManyField(
        Organisation, through="MatchContribution", related_name="contributed_matches",
        verbose_name=_("bidragende partnere"),
    )
    activity = models.CharField(_("aktivitet"), max_length=30, choices=Activity.choices,
                                default=Activity.COMPANY_CONTACT)
    activity_note = models.CharField(_("aktivitet, uddybning"), max_length=200, blank=True)
    # The need (job profile) the match came from; registering it answers the need (SPEC 3.2).
    need = models.ForeignKey("companies.Need", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="matches", verbose_name=_("behov"), db_index=False)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED)
    rejection_reason = bounded_text(_("begrundelse for afvisning"), blank=True, max_length=NOTE_MAX_LENGTH)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+", db_index=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    possible_duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("mulig dublet af"), db_index=False,
    )

    # Derived at registration, stored so 200,000 matches aggregate fast.
    outside_aalborg = models.BooleanField(default=True)
    project_year = models.PositiveSmallIntegerField()
    half_year = models.CharField(max_length=7)  # "2021-H1"
    target_part = models.CharField(max_length=20, choices=Organisation.TargetPart.choices)

    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL)
    import_key = models.CharField(max_length=64, blank=True)
    is_synthetic = models.BooleanField(_("syntetisk demodata"), default=False)
    version = models.PositiveIntegerField(default=1)

    objects = MatchQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("match")
        verbose_name_plural = _("match")
        constraints = [
            models.CheckConstraint(
                condition=(Q(person_name="") & Q(person_email="")) | Q(person_consent_at__isnull=False),
                name="person_data_needs_consent",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""), name="rejection_has_reason"
            ),
            models.UniqueConstraint(
                fields=["registering_org", "import_key"], condition=~Q(import_key=""),
                name="uniq_import_key_per_org",
            ),
        ]
        indexes = [
            # Also the index of the company foreign key (its first column).
            models.Index(fields=["company", "match_type", "start_date"]),
            # The foreign keys to text codes (see above): plain indexes, for the match list's filters and the
            # PROTECT checks when a code is deleted.
            models.Index(fields=["municipality"], name="match_municipality"),
            models.Index(fields=["match_type"], name="match_match_type"),
            models.Index(fields=["education_level"], name="match_education_level"),
            # Keys that most matches leave empty (the need answered, the verifier, the possible duplicate): a
            # partial index of the rows that have one, which serves every lookup of a value (a need's matches,
            # the SET NULL when a need or user goes, the flagged duplicates) and costs an insert nothing.
            models.Index(fields=["need"], condition=Q(need__isnull=False), name="match_need"),
            models.Index(fields=["verified_by"], condition=Q(verified_by__isnull=False), name="match_verified_by"),
            models.Index(fields=["possible_duplicate_of"], condition=Q(possible_duplicate_of__isnull=False),
                         name="match_possible_duplicate_of"),
            # No (programme, status, …) indexes: a figure scoped to one municipality or partner reads that
            # column's own index (EXPLAIN in docs/benchmarks.md, issue 16), and the programme-wide ones
            # the covering indexes below.
            # Covering indexes for the progress aggregates (matches/progress.py): each GROUP BY is then an
            # index-only scan in group order, ~30 ms at 200,000 matches instead of ~300 ms with a sort. The start
            # date comes last so a report's start-date cut-off is checked in the index too (without it each
            # GROUP BY read every row of the table: the yearly report took ~10 s cold at 200,000 matches).
            models.Index(fields=["programme", "municipality", "partner", "target_part", "outside_aalborg", "status",
                                 "start_date"], name="match_progress_place_d"),
            models.Index(fields=["programme", "match_type", "education_level", "status", "start_date"],
                         name="match_progress_kind_d"),
            models.Index(fields=["programme", "project_year", "half_year", "status", "start_date"],
                         name="match_progress_time_d"),
            models.Index(fields=["programme", "partner", "activity", "match_type", "status", "start_date"],
                         name="match_progress_activity_d"),
            # The matches of the cut-off's month, which the progress aggregates count from the match table (the
            # earlier months come from the tallies below).
            models.Index(fields=["programme", "start_date"], name="match_programme_start"),
            # The latest change per programme: the fingerprint of the cached progress aggregates.
            models.Index(fields=["programme", "updated_at"], name="match_programme_changed"),
            models.Index(fields=["is_synthetic"], condition=Q(is_synthetic=True), name="match_synthetic"),
            # The match lists' order (Meta.ordering, read backwards): a page is the index's first rows, not a
            # sort of every match (issue 16: /api/matches sorted the whole table for each page of 100).
            models.Index(fields=["start_date", "id"], name="match_list_order"),
        ]

    def __str__(self) -> str:
        return f"{self.match_type} · {self.company.name} · {self.start_date:%d-%m-%Y}"

    @property
    def has_person_data(self) -> bool:
        return bool(self.person_name or self.person_email)


class MatchContribution(models.Model):
    class Role(models.TextChoices):
        REGISTERED = "registered", _("Registrerede matchet")
        CONTRIBUTED = "contributed", _("Bidrog")
        DUPLICATE = "duplicate", _("Registrerede samme match (dublet)")

    # uniq_contribution (match, organisation) is also the index of the match's key.
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="contributions", db_index=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["match", "organisation"], name="uniq_contribution")
        ]


class Target(TimeStampedModel):
    """A target for one municipality or one partner. `computed` comes from the basis; `value` is what
    the partnership decided (equal to `computed` until someone edits it; edits are audited)."""

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Kommune")
        PARTNER = "partner", _("Projektpartner")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    municipality = models.ForeignKey(Municipality, null=True, blank=True, on_delete=models.PROTECT)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT)
    basis = models.PositiveIntegerField(_("grundlag"), default=0)
    computed = models.PositiveIntegerField(_("beregnet"), default=0)
    value = models.PositiveIntegerField(_("måltal"), default=0)
    overridden = models.BooleanField(_("ændret manuelt"), default=False)
    note = models.CharField(_("bemærkning"), max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "municipality__name", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "municipality"], condition=Q(kind="municipality"),
                                    name="uniq_municipal_target"),
            models.UniqueConstraint(fields=["programme", "organisation"], condition=Q(kind="partner"),
                                    name="uniq_partner_target"),
            models.CheckConstraint(
                condition=(Q(kind="municipality") & Q(municipality__isnull=False) & Q(organisation__isnull=True))
                | (Q(kind="partner") & Q(organisation__isnull=False) & Q(municipality__isnull=True)),
                name="target_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality or self.organisation}: {self.value}"


class ActivityTarget(TimeStampedModel):
    """An activity target from the seed (e.g. AAU bourses: 450 student-collaboration matches).

    `measure` names the one source of its figure: matches (registering partner, activities and match-type
    group), the module that owns the fact (Vækstpilot, events and surveys, cases, cohorts), or, only where
    nothing in the platform measures it, the activity registrations that partners record."""

    class Measure(models.TextChoices):
        MATCHES = "matches", _("Match (aktiviteter, matchtypegruppe, partner)")
        VAEKSTPILOT_GRANTED = "vaekstpilot_granted", _("Vækstpilot: bevilgede forløb")
        VAEKSTPILOT_STARTED = "vaekstpilot_started", _("Vækstpilot: startede forløb")
        VAEKSTPILOT_RETENTION = "vaekstpilot_retention", _("Vækstpilot: andel i ordinær beskæftigelse ved opfølgning")
        KNOWLEDGE_SHARE = "knowledge_share", _("Opfølgning: andel virksomheder med øget viden")
        EVENTS_HELD = "events_held", _("Afholdte arrangementer (type og arrangør)")
        EVENT_PARTICIPANTS = "event_participants", _("Fremmødte deltagere i arrangementer")
        CASE_COVERAGE = "case_coverage", _("Caseplatformen: partnere med mindst én offentliggjort case")
        COHORT_IN_WORK = "cohort_in_work", _("Forløb: andel i job inden 4 måneder")
        REGISTRATIONS = "registrations", _("Manuelle registreringer")

    class Unit(models.TextChoices):
        MATCHES = "matches", _("match")
        EVENTS = "events", _("arrangementer")
        PEOPLE = "people", _("personer")
        PILOTS = "pilots", _("vækstpiloter")
        PERCENT = "percent", _("procent")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="activity_targets")
    code = models.SlugField(max_length=80)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True)
    title_da = models.CharField(max_length=300)
    title_en = models.CharField(max_length=300)
    unit = models.CharField(max_length=20, choices=Unit.choices)
    value = models.PositiveIntegerField(_("måltal"))
    value_max = models.PositiveIntegerField(_("måltal, øvre"), null=True, blank=True)
    # How the target is measured: one source, never both derived and manual (docs/reports.md, "Figures
    # and their sources"). The measure functions live in viaviden/reports/measures.py.
    measure = models.CharField(_("måles som"), max_length=40, choices=Measure.choices, default=Measure.MATCHES)
    # Evaluated per project year (e.g. the theme day: about 70 participants a year), never summed over years.
    per_project_year = models.BooleanField(_("måltal pr. projektår"), default=False)
    # The project years the target applies to when per project year (empty: every year of the programme).
    years = models.JSONField(_("projektår"), default=list, blank=True)
    # When measured from matches:
    match_activities = models.JSONField(default=list, blank=True)
    match_type_group = models.CharField(max_length=30, choices=MatchType.Group.choices, blank=True)
    # When measured from events: the event types counted (empty: all types).
    event_types = models.JSONField(default=list, blank=True)
    source = models.CharField(_("kilde"), max_length=200)

    class Meta:
        ordering = ["organisation__name", "code"]
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="uniq_activity_target")]

    def __str__(self) -> str:
        return self.title_da

    @property
    def measured_from_matches(self) -> bool:
        return self.measure == self.Measure.MATCHES

    @property
    def manual(self) -> bool:
        """Only these targets take activity registrations; every other measure is derived."""
        return self.measure == self.Measure.REGISTRATIONS


class ActivityRegistration(TimeStampedModel):
    """A partner's report towards an activity target (e.g. '1 Talent Attraction event, 23 members')."""

    activity_target = models.ForeignKey(ActivityTarget, on_delete=models.CASCADE, related_name="registrations")
    date = models.DateField(_("dato"))
    amount = models.PositiveIntegerField(_("antal"))
    note = models.CharField(_("bemærkning"), max_length=300, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    # Set by the file import (the partner's id, or a hash of the row), so a file imported twice adds nothing.
    import_key = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["activity_target", "import_key"], condition=~Q(import_key=""),
                                    name="uniq_registration_import_key"),
        ]


# --- Match tallies -------------------------------------------------------------------------------------
# Counts of matches per programme, start month, status and the keys of one progress aggregate
# (matches/progress.py), kept current by database triggers on matches_match (every write: services, import,
# admin, bulk and raw SQL; migration 0013_dash16_match_tallies). They are read instead of scanning the
# match table; `manage.py rebuild_match_tallies` recomputes them from the matches. Plain columns, no
# foreign keys: the triggers write them, and a tally row of a deleted reference row is only a zero count.


class MatchTally(models.Model):
    # Every match counts in the row of its start month and in the row of month ALL_TIME (every start month).
    ALL_TIME = dt.date(1, 1, 1)

    programme_id = models.BigIntegerField()
    month = models.DateField()  # the first day of the matches' start month, or ALL_TIME
    status = models.CharField(max_length=20)
    count = models.IntegerField(default=0)

    # The key columns besides programme, month and status (the same names as on Match).
    KEYS: tuple[str, ...] = ()

    class Meta:
        abstract = True


class MatchTallyPlace(MatchTally):
    municipality_id = models.CharField(max_length=10)
    partner_id = models.BigIntegerField()
    target_part = models.CharField(max_length=20)
    outside_aalborg = models.BooleanField()

    KEYS = ("municipality_id", "partner_id", "target_part", "outside_aalborg")

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["programme_id", "month", "municipality_id", "partner_id", "target_part", "outside_aalborg",
                    "status"], name="uniq_match_tally_place")]


class MatchTallyKind(MatchTally):
    match_type_id = models.CharField(max_length=40)
    education_level_id = models.CharField(max_length=10)

    KEYS = ("match_type_id", "education_level_id")

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["programme_id", "month", "match_type_id", "education_level_id", "status"],
            name="uniq_match_tally_kind")]


class MatchTallyTime(MatchTally):
    project_year = models.IntegerField()
    half_year = models.CharField(max_length=7)

    KEYS = ("project_year", "half_year")

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["programme_id", "month", "project_year", "half_year", "status"], name="uniq_match_tally_time")]


class MatchTallyActivity(MatchTally):
    partner_id = models.BigIntegerField()
    activity = models.CharField(max_length=30)
    match_type_id = models.CharField(max_length=40)
    project_year = models.IntegerField()

    KEYS = ("partner_id", "activity", "match_type_id", "project_year")

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["programme_id", "month", "partner_id", "activity", "match_type_id", "project_year", "status"],
            name="uniq_match_tally_activity")]


MATCH_TALLIES: tuple[type[MatchTally], ...] = (MatchTallyPlace, MatchTallyKind, MatchTallyTime, MatchTallyActivity)
