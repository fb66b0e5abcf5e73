"""Synthetic demo data: companies, matches, activity registrations and demo logins (issue 2, point 8).

Everything generated here is fictional and marked as such (`is_synthetic` on companies and matches,
a fixed note prefix on activity registrations, `@demo.invalid` e-mail on demo users). The output is
deterministic for a given seed and database state, so dashboards and tests see the same numbers on every
machine. Matches are pseudonymous: a synthetic person id is turned into a person key (HMAC) exactly as
the registry does for real registrations, so duplicate detection works; no names or e-mails are stored.

Rows are built in memory and written with `bulk_create` (this runs on every first `run`), using the
registry's own `derived_fields` so the stored derived values are exactly what `match_register` stores.
"""

from __future__ import annotations

import base64
import bisect
import calendar
import datetime as dt
import hashlib
import itertools
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from auditlog.context import disable_auditlog
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from viaviden.candidates.demo import demo_candidates_delete, demo_candidates_load
from viaviden.cases.demo import demo_cases_delete, demo_cases_load
from viaviden.cohorts.demo import demo_cohorts_delete, demo_cohorts_load
from viaviden.companies.cvr import check_digit
from viaviden.companies.demo import demo_workspace_delete, demo_workspace_load
from viaviden.companies.models import Company
from viaviden.core.errors import ValidationFailed
from viaviden.core.mail import mail_suppressed
from viaviden.core.workdays import is_working_day
from viaviden.events.demo import demo_events_delete, demo_events_load
from viaviden.matches.models import (
    Activity,
    ActivityRegistration,
    ActivityTarget,
    Match,
    MatchContribution,
    Programme,
)
from viaviden.matches.services import derived_fields, person_key_for
from viaviden.organisations.models import ApiToken, Organisation, User
from viaviden.organisations.services import totp_device_ensure
from viaviden.reference.models import (
    AALBORG_CODE,
    BasisValue,
    EducationLevel,
    Industry,
    MatchType,
    Municipality,
    SizeClass,
)
from viaviden.vaekstpilot.demo import demo_vaekstpilot_delete, demo_vaekstpilot_load

from .programme import synthetic_programme_delete, synthetic_programme_ensure

DEFAULT_SEED = 2020
DEFAULT_MATCHES = 1500
DEFAULT_COMPANIES = 250

# Demo credentials are public by design: they are printed by the command and written in docs/demo-data.md.
DEMO_PASSWORD = "demo-Vaekst-2020!"
DEMO_EMAIL_DOMAIN = "demo.invalid"
DEMO_API_TOKEN = "vvvdemo-aalborg-konsulent-2020-offentlig-demonoegle"
DEMO_API_TOKEN_NAME = "Demo-nøgle (syntetiske data)"
SYNTHETIC_NOTE = "Syntetisk demodata"

PERIOD_START = dt.date(2020, 7, 1)
PERIOD_END = dt.date(2023, 6, 30)
PERIOD_LABEL = "Vækst Via Viden 2.0"
# Matches of the synthetic current period, as a share of the even plan to date (a little behind: the pace
# and the projection then have something to say).
CURRENT_PACE = 0.93
LAESOE_CODE = "825"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    organisation: str  # slug
    description: str  # stored as last name, so the user list shows what the account is for


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("koordinator", User.Role.COORDINATOR, "koordinationsgruppen", "Koordinationsgruppen (demo)"),
    DemoUser("styregruppe", User.Role.STEERING_GROUP, "kkr-nordjylland", "Styregruppen (demo)"),
    DemoUser("admin", User.Role.ADMINISTRATOR, "koordinationsgruppen", "Administrator (demo)"),
    DemoUser("aalborg.konsulent", User.Role.PARTNER_STAFF, "jobcenter-aalborg", "Jobcenter Aalborg (demo)"),
    DemoUser("aalborg.leder", User.Role.PARTNER_LEAD, "erhvervskontor-aalborg", "Erhvervskontor Aalborg (demo)"),
    DemoUser("hjoerring.konsulent", User.Role.PARTNER_STAFF, "jobcenter-hjoerring", "Jobcenter Hjørring (demo)"),
    DemoUser("hjoerring.leder", User.Role.PARTNER_LEAD, "jobcenter-hjoerring", "Jobcenter Hjørring (demo)"),
    DemoUser("thisted.konsulent", User.Role.PARTNER_STAFF, "erhvervskontor-thisted", "Erhvervskontor Thisted (demo)"),
    DemoUser("aau.karriere", User.Role.PARTNER_STAFF, "aau", "AAU Karriere (demo)"),
    DemoUser("ucn.erhverv", User.Role.PARTNER_LEAD, "ucn", "UCN Erhverv (demo)"),
    DemoUser("aka.rekruttering", User.Role.PARTNER_STAFF, "akademikernes-a-kasse", "Akademikernes A-kasse (demo)"),
    DemoUser("erhvervshus.leder", User.Role.PARTNER_LEAD, "erhvervshus-nordjylland", "Erhvervshus Nordjylland (demo)"),
    DemoUser("cme.konsulent", User.Role.PARTNER_STAFF, "central-matchningsenhed", "Central Matchningsenhed (demo)"),
)
DEMO_USERNAMES = tuple(u.username for u in DEMO_USERS)
# Who verifies a partner's synthetic matches (the coordination group for partners without a demo lead).
LEAD_FOR_PARTNER = {"kommune-aalborg": "aalborg.leder", "kommune-hjoerring": "hjoerring.leder", "ucn": "ucn.erhverv"}


def demo_totp_secret_hex(username: str) -> str:
    """The fixed, public TOTP secret of a demo user (40 hex characters = 20 bytes, as django-otp uses)."""
    return hashlib.sha1(f"vaekst-via-viden-demo-totp:{username}".encode(), usedforsecurity=False).hexdigest()


def hex_to_base32(secret_hex: str) -> str:
    """The secret as an authenticator app wants it typed in."""
    return base64.b32encode(bytes.fromhex(secret_hex)).decode("ascii")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    role_label: str
    organisation: str
    secret_hex: str
    secret_base32: str


@dataclass
class DemoResult:
    created: bool
    companies: int = 0
    matches: int = 0
    merged_duplicates: int = 0
    activity_registrations: int = 0
    needs: int = 0
    referrals: int = 0
    contacts: int = 0
    handovers: int = 0
    users: int = 0
    deleted: dict[str, int] = field(default_factory=dict)
    skipped_users: list[str] = field(default_factory=list)
    seconds: float = 0.0
    current_matches: int = 0
    programme: Programme | None = None  # the synthetic current period
    events: Any = None
    vaekstpilot: Any = None
    candidates: int = 0
    cases: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------------
# Vocabulary: fictional company names, industries, programmes, institutions
# ---------------------------------------------------------------------------------------------------------

NAME_FIRST = (
    "Klit",
    "Fjord",
    "Lim",
    "Hede",
    "Mose",
    "Lyng",
    "Sand",
    "Skov",
    "Bakke",
    "Eng",
    "Vester",
    "Øster",
    "Nørre",
    "Sønder",
    "Hav",
    "Vind",
    "Strand",
    "Bøge",
    "Ege",
    "Ravne",
    "Måge",
    "Sild",
    "Tang",
    "Rønne",
    "Hvede",
    "Kilde",
    "Grå",
    "Solsikke",
    "Lærke",
    "Vibe",
    "Odder",
    "Tjørne",
    "Hyld",
    "Pile",
    "Birke",
    "Marehalm",
)
NAME_SECOND = (
    "rosen",
    "toppen",
    "vang",
    "høj",
    "dal",
    "holm",
    "næs",
    "bjerg",
    "mark",
    "kær",
    "vig",
    "lund",
    "hus",
    "gård",
    "by",
    "bro",
    "sti",
    "skær",
    "odde",
    "klinte",
)
# DB07 section -> (weight in percent, trade words that fit the section)
INDUSTRIES: dict[str, tuple[int, tuple[str, ...]]] = {
    "C": (18, ("Maskinfabrik", "Plast", "Stålværk", "Fødevarer", "Møbelsnedkeri", "Elektronik", "Emballage")),
    "M": (16, ("Rådgivning", "Ingeniører", "Arkitekter", "Revision", "Analyse", "Kommunikation")),
    "J": (14, ("Data", "Software", "Digital", "IT-drift", "Web", "Medier")),
    "G": (12, ("Handel", "Engros", "Import", "Byggemarked", "Webshop")),
    "F": (10, ("Byg", "Entreprise", "El-service", "VVS", "Tømrer")),
    "H": (5, ("Transport", "Logistik", "Spedition")),
    "N": (5, ("Service", "Rengøring", "Bemanding", "Facility")),
    "K": (4, ("Finans", "Forsikring", "Investering")),
    "Q": (4, ("Klinik", "Sundhed", "Fysioterapi")),
    "A": (3, ("Landbrug", "Fiskeri", "Planteskole")),
    "D": (3, ("Energi", "Vindkraft", "Fjernvarme")),
    "I": (3, ("Kro", "Hotel", "Café")),
    "L": (2, ("Ejendomme", "Bolig")),
    "E": (1, ("Genbrug", "Vandrens")),
    "R": (1, ("Event", "Oplevelser")),
    "P": (1, ("Akademi", "Kursuscenter")),
    "S": (1, ("Værksted", "Foreningsservice")),
}
SIZE_WEIGHTS = {"micro": 44, "small": 34, "medium": 16, "large": 6}
# How much more often a larger company is the workplace of a match.
SIZE_MATCH_WEIGHT = {"micro": 1.0, "small": 2.0, "medium": 3.5, "large": 6.0}
LEGAL_FORMS = (("ApS", 70), ("A/S", 22), ("I/S", 5), ("K/S", 3))

AAU = "Aalborg Universitet"
UCN = "University College Nordjylland"
PROGRAMMES: dict[tuple[str, str], tuple[str, ...]] = {
    (UCN, "KVU"): (
        "Datamatiker",
        "Markedsføringsøkonom",
        "Multimediedesigner",
        "Produktionsteknolog",
        "Finansøkonom",
        "Serviceøkonom",
        "Logistikøkonom",
        "Byggetekniker",
        "It-teknolog",
        "Automationsteknolog",
    ),
    (UCN, "MVU"): (
        "Bygningskonstruktør",
        "Softwareudvikling (top-up)",
        "Webudvikling (top-up)",
        "International handel og markedsføring (top-up)",
        "Innovation og entrepreneurship (top-up)",
        "Finans (top-up)",
        "Produktudvikling og teknisk integration (top-up)",
        "Digital konceptudvikling (top-up)",
        "Maskiningeniør (diplom)",
        "Eksportingeniør",
    ),
    (AAU, "MVU"): (
        "HA (erhvervsøkonomi)",
        "Medialogi (bachelor)",
        "Interaktionsdesign (bachelor)",
        "Informationsvidenskab (bachelor)",
        "Datalogi (bachelor)",
        "Software (bachelor)",
        "Byggeri og anlæg (bachelor)",
        "Kommunikation og digitale medier (bachelor)",
        "Maskin og produktion (bachelor)",
        "Økonomi (bachelor)",
    ),
    (AAU, "LVU"): (
        "cand.scient. i datalogi",
        "cand.merc.",
        "cand.merc. i international marketing",
        "It-ledelse (cand.it.)",
        "Informationsvidenskab (cand.it.)",
        "Interaktionsdesign (cand.it.)",
        "Medialogi (cand.polyt.)",
        "cand.polyt. i energiteknik",
        "cand.polyt. i byggeledelse",
        "cand.polyt. i produktion",
        "cand.oecon.",
        "cand.soc. i politik og administration",
        "cand.mag. i kommunikation",
        "cand.scient. i bioteknologi",
        "cand.polyt. i maskinteknik",
    ),
    ("Aarhus Universitet", "LVU"): ("cand.merc. (erhvervsøkonomi)", "cand.scient. i datalogi", "cand.oecon."),
    ("Aarhus Universitet", "MVU"): ("HA (erhvervsøkonomi)", "Økonomi (bachelor)"),
    ("Syddansk Universitet", "LVU"): ("cand.merc. i marketing", "cand.polyt. i robotteknologi"),
    ("Københavns Universitet", "LVU"): ("cand.scient.pol.", "cand.scient. i geografi"),
    ("Erhvervsakademi Aarhus", "KVU"): ("Datamatiker", "Markedsføringsøkonom", "Finansøkonom"),
    ("VIA University College", "MVU"): ("Bygningskonstruktør", "Maskiningeniør (diplom)"),
}
OTHER_UNIVERSITY_LEVELS = (
    ("Aarhus Universitet", "LVU", 5),
    ("Aarhus Universitet", "MVU", 1),
    ("Syddansk Universitet", "LVU", 2),
    ("Københavns Universitet", "LVU", 2),
)

TYPE_WEIGHTS = {
    "student_project": 17,
    "student_internship": 12,
    "student_job": 11,
    "company_internship": 12,
    "wage_subsidy": 9,
    "ordinary_job": 39,
}
# No "ordinary_job_vaekstpilot" here: a Vækstpilot match points to its granted, started application, so the
# Vækstpilot demo (viaviden/vaekstpilot/demo.py) registers those through the scheme's own services.
STUDENT_TYPES = ("student_project", "student_internship", "student_job")
# Seasonality by calendar month: students start with the semester (bourses in February and September).
STUDENT_SEASON = {1: 0.8, 2: 2.6, 3: 1.2, 4: 0.8, 5: 0.6, 6: 0.4, 7: 0.3, 8: 1.0, 9: 2.6, 10: 1.2, 11: 0.8, 12: 0.4}
JOB_SEASON = {1: 1.2, 2: 1.0, 3: 1.0, 4: 1.0, 5: 1.0, 6: 0.9, 7: 0.6, 8: 1.1, 9: 1.1, 10: 1.0, 11: 1.0, 12: 0.7}
AALBORG_SHARE = 0.57
REJECTION_REASONS = (
    "Matchet er registreret to gange under forskellige virksomheder.",
    "Personen har ikke en videregående uddannelse.",
    "Virksomhedens arbejdssted ligger uden for Nordjylland.",
    "Ansættelsen blev annulleret inden start.",
    "Startdatoen kunne ikke dokumenteres.",
)


class _Picker:
    """Weighted choice with precomputed cumulative weights (fast and deterministic for one Random)."""

    def __init__(self, items: list[Any], weights: list[float]):
        self.items = items
        self.cum = list(itertools.accumulate(weights))

    def __call__(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


def _pick(rng: random.Random, pairs: tuple | list) -> Any:
    """Weighted choice from (item, weight) pairs."""
    return _Picker([p[0] for p in pairs], [p[1] for p in pairs])(rng)


def _months(start: dt.date = PERIOD_START, end: dt.date = PERIOD_END) -> list[dt.date]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day)
        day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return months


# ---------------------------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------------------------


def demo_data_exists() -> bool:
    return Match.objects.filter(is_synthetic=True).exists() or Company.objects.filter(is_synthetic=True).exists()


def _demo_users_qs():
    return User.objects.filter(username__in=DEMO_USERNAMES, email__endswith=f"@{DEMO_EMAIL_DOMAIN}")


def demo_logins() -> list[DemoLogin]:
    """The demo accounts that exist, in the order of DEMO_USERS, with their public TOTP secrets."""
    users = {u.username: u for u in _demo_users_qs().select_related("organisation")}
    logins = []
    for spec in DEMO_USERS:
        user = users.get(spec.username)
        if user is None:
            continue
        secret = demo_totp_secret_hex(spec.username)
        logins.append(
            DemoLogin(
                username=user.username,
                role=user.role,
                role_label=str(user.get_role_display()),
                organisation=user.organisation.name if user.organisation else "",
                secret_hex=secret,
                secret_base32=hex_to_base32(secret),
            )
        )
    return logins


@transaction.atomic
def demo_data_delete() -> dict[str, int]:
    """Delete synthetic matches, activity registrations, demo users and synthetic companies no real match
    uses. Nothing else is touched."""
    with disable_auditlog():
        deleted: dict[str, int] = {}
        deleted["matches"] = Match.objects.filter(is_synthetic=True).delete()[1].get("matches.Match", 0)
        deleted["activity_registrations"] = ActivityRegistration.objects.filter(
            note__startswith=SYNTHETIC_NOTE
        ).delete()[0]
        deleted.update(demo_workspace_delete())
        demo_events_delete()
        demo_vaekstpilot_delete()
        demo_cohorts_delete()
        deleted.update(demo_cases_delete())
        deleted["candidates"] = demo_candidates_delete()
        deleted["programmes"] = synthetic_programme_delete()
        deleted["users"] = _demo_users_qs().delete()[1].get("organisations.User", 0)
        deleted["companies"] = Company.objects.filter(
            is_synthetic=True, matches__isnull=True, needs__isnull=True, contact_entries__isnull=True,
            handovers__isnull=True, merged_records__isnull=True, vaekstpilot_applications__isnull=True,
        ).delete()[0]
    return deleted


def demo_data_load(
    *, seed: int = DEFAULT_SEED, matches: int = DEFAULT_MATCHES, companies: int = DEFAULT_COMPANIES, reset: bool = False
) -> DemoResult:
    """Create the synthetic data set; without `reset` it does nothing when synthetic data already exists."""
    # The work-space services notify people by e-mail (queued after commit); the synthetic data set mails no one.
    with mail_suppressed():
        return _demo_data_load(seed=seed, matches=matches, companies=companies, reset=reset)


@transaction.atomic
def _demo_data_load(*, seed: int, matches: int, companies: int, reset: bool) -> DemoResult:
    started = time.perf_counter()
    deleted = demo_data_delete() if reset else {}
    # After a reset, synthetic companies that real matches still use are kept (and not regenerated).
    if not reset and demo_data_exists():
        return DemoResult(created=False, seconds=time.perf_counter() - started)
    with disable_auditlog():
        result = _Generator(seed=seed).run(n_matches=matches, n_companies=companies)
    result.deleted = deleted
    result.seconds = time.perf_counter() - started
    return result


# ---------------------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------------------


class _Generator:
    def __init__(self, *, seed: int):
        self.seed = seed
        self.rng = random.Random(seed)
        self.orgs = {o.slug: o for o in Organisation.objects.select_related("parent__parent")}
        self.municipalities = {m.code: m for m in Municipality.objects.filter(in_region=True).order_by("code")}
        self.levels = {lv.code: lv for lv in EducationLevel.objects.all()}
        self.types = {t.code: t for t in MatchType.objects.all()}
        real = Programme.objects.filter(is_synthetic=False)
        # The historic period the first data set is spread over (Vækst Via Viden 2.0, 2020-07-01 – 2023-06-30).
        self.programme = (
            real.filter(start_date__lte=PERIOD_START, end_date__gte=PERIOD_END).first()
            or real.filter(is_current=True).first()
        )
        if self.programme is None or not self.municipalities or len(self.types) != 7:
            raise ValidationFailed(
                _("Referencedata mangler. Kør først: python manage.py load_reference_data"),
                code="reference_data_missing",
            )
        self.users: dict[str, User] = {}
        self.today = timezone.localdate()
        self.end = PERIOD_END  # the last day matches of the programme being generated may start on
        self.population: dict[str, int] = {}  # municipality code -> basis value

    def run(self, *, n_matches: int, n_companies: int) -> DemoResult:
        result = DemoResult(created=True)
        result.users, result.skipped_users = self._users()
        self._api_token()
        companies = self._companies(n_companies)
        result.companies = len(companies)
        result.matches, result.merged_duplicates = self._matches(
            n_matches, companies, programme=self.programme, start=PERIOD_START, end=PERIOD_END,
            person=f"demo-{self.seed}-person",
        )
        result.activity_registrations = self._activity_registrations(self.programme, PERIOD_START, PERIOD_END)
        # A synthetic period with today in it (the demo's current programme), on its way to the same targets.
        current = synthetic_programme_ensure(self.today)
        if current is not None and current.is_synthetic:
            result.programme = current
            elapsed = (self.today - current.start_date).days / ((current.end_date - current.start_date).days + 1)
            n_current = round(current.total_target * elapsed * CURRENT_PACE * n_matches / DEFAULT_MATCHES)
            result.current_matches, duplicates = self._matches(
                n_current, companies, programme=current, start=current.start_date, end=self.today,
                person=f"demo-{self.seed}-now-person",
            )
            result.merged_duplicates += duplicates
            result.activity_registrations += self._activity_registrations(current, current.start_date, self.today)
        workspace = demo_workspace_load(users=self.users, companies=companies, rng=self.rng)
        result.needs, result.referrals = workspace.needs, workspace.referrals
        result.contacts, result.handovers = workspace.contacts, workspace.handovers
        result.events = demo_events_load(users=self.users, companies=companies, rng=self.rng)
        result.vaekstpilot = demo_vaekstpilot_load(users=self.users, companies=companies, rng=self.rng)
        result.candidates = demo_candidates_load(users=self.users, rng=self.rng)
        result.cases = demo_cases_load(users=self.users, companies=companies, rng=self.rng)
        demo_cohorts_load(users=self.users, rng=self.rng)
        return result

    # -- users ---------------------------------------------------------------------------------------------

    def _users(self) -> tuple[int, list[str]]:
        # One hash for the shared demo password: hashing it twelve times would cost seconds at every `run`.
        password_hash = make_password(DEMO_PASSWORD)
        existing = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
        created, skipped = 0, []
        for spec in DEMO_USERS:
            user = existing.get(spec.username)
            if user is not None and not user.email.endswith(f"@{DEMO_EMAIL_DOMAIN}"):
                skipped.append(spec.username)  # a real account with that name: never take it over
                continue
            if user is None:
                user = User(username=spec.username)
                created += 1
            user.email = f"{spec.username}@{DEMO_EMAIL_DOMAIN}"
            user.first_name, user.last_name = "Demo", spec.description
            user.role = spec.role
            user.organisation = self.orgs.get(spec.organisation)
            user.is_superuser = user.is_staff = spec.role == User.Role.ADMINISTRATOR
            user.is_active = True
            user.password = password_hash
            user.save()
            totp_device_ensure(user=user, secret_hex=demo_totp_secret_hex(spec.username))
            self.users[spec.username] = user
        return created, skipped

    def _api_token(self) -> None:
        user = self.users.get("aalborg.konsulent")
        if user is None:
            return
        ApiToken.objects.get_or_create(
            key_hash=ApiToken.hash(DEMO_API_TOKEN),
            defaults={"user": user, "name": DEMO_API_TOKEN_NAME, "prefix": DEMO_API_TOKEN[:8]},
        )

    # -- companies -----------------------------------------------------------------------------------------

    def _company_counts(self, n: int) -> dict[str, int]:
        """Companies per municipality by population (largest remainder), at least two in each."""
        basis = self.programme.basis_dataset
        values = {v.municipality_id: v.value for v in BasisValue.objects.filter(dataset=basis)} if basis else {}
        values = {code: values.get(code, 1) for code in self.municipalities}
        minimum = 2
        rest = max(n - minimum * len(values), 0)
        total = sum(values.values())
        quotas = {code: rest * v / total for code, v in values.items()}
        counts = {code: minimum + int(q) for code, q in quotas.items()}
        by_remainder = sorted(quotas, key=lambda c: (-(quotas[c] - int(quotas[c])), c))
        for code in by_remainder[: n - sum(counts.values())]:
            counts[code] += 1
        self.population = values
        return counts

    def _companies(self, n: int) -> list[Company]:
        rng = self.rng
        industries = {i.code: i for i in Industry.objects.all()}
        sizes = {s.code: s for s in SizeClass.objects.all()}
        industry_pick = _Picker(
            [c for c in INDUSTRIES if c in industries], [INDUSTRIES[c][0] for c in INDUSTRIES if c in industries]
        )
        size_pick = _Picker(
            [c for c in SIZE_WEIGHTS if c in sizes], [SIZE_WEIGHTS[c] for c in SIZE_WEIGHTS if c in sizes]
        )
        taken_cvr = set(Company.objects.values_list("cvr", flat=True))
        taken_names = set(Company.objects.values_list("name", flat=True))
        rows = []
        for code, count in self._company_counts(n).items():
            for _i in range(count):
                industry = industry_pick(rng)
                while True:
                    name = (
                        f"{rng.choice(NAME_FIRST)}{rng.choice(NAME_SECOND)} "
                        f"{rng.choice(INDUSTRIES[industry][1])} {_pick(rng, LEGAL_FORMS)}"
                    )
                    if name not in taken_names:
                        break
                taken_names.add(name)
                rows.append(
                    Company(
                        cvr=self._cvr(taken_cvr),
                        name=name,
                        municipality=self.municipalities[code],
                        industry=industries[industry],
                        size_class=sizes[size_pick(rng)],
                        is_synthetic=True,
                    )
                )
        return Company.objects.bulk_create(rows)

    def _cvr(self, taken: set[str]) -> str:
        # Real CVR numbers are issued from 10000000 and have not reached the 9xxxxxxx range.
        while True:
            first7 = str(self.rng.randint(9_000_000, 9_999_999))
            digit = check_digit(first7)
            if digit is not None and (cvr := f"{first7}{digit}") not in taken:
                taken.add(cvr)
                return cvr

    # -- matches -------------------------------------------------------------------------------------------

    def _matches(
        self, n: int, companies: list[Company], *, programme: Programme, start: dt.date, end: dt.date, person: str
    ) -> tuple[int, int]:
        """`n` matches of `programme` starting from `start` to `end`; `person` prefixes the synthetic person ids."""
        rng = self.rng
        self.end = end
        months = _months(start, end)
        last = max(len(months) - 1, 1)

        def month_picker(season: dict[int, float], first: int = 0) -> _Picker:
            # Growing over time: the last month has about 2.6 times the weight of the first.
            return _Picker(
                months[first:], [(0.55 + 0.9 * i / last) * season[m.month] for i, m in enumerate(months) if i >= first]
            )

        month_pick = {
            "student": month_picker(STUDENT_SEASON),
            "job": month_picker(JOB_SEASON),
            "vaekstpilot": month_picker(JOB_SEASON, first=6),  # the subsidy scheme opened in January 2021
        }
        type_pick = _Picker(list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values()))
        rest_total = sum(v for c, v in self.population.items() if c != AALBORG_CODE)
        municipality_pick = _Picker(
            list(self.population),
            [
                AALBORG_SHARE if c == AALBORG_CODE else (1 - AALBORG_SHARE) * v / rest_total
                for c, v in self.population.items()
            ],
        )
        by_municipality: dict[str, list[Company]] = {}
        for company in companies:
            by_municipality.setdefault(company.municipality_id, []).append(company)
        company_pick = {
            code: _Picker(cs, [SIZE_MATCH_WEIGHT.get(c.size_class_id, 1.0) for c in cs])
            for code, cs in by_municipality.items()
        }
        fallback_user = self.users.get("koordinator")

        rows: list[Match] = []
        contributions: list[tuple[int, Organisation, str]] = []  # (row index, organisation, role)
        people: list[tuple[str, str, str, str]] = []  # (person key, institution, education, level)
        seen_people: set[tuple[str, int]] = set()
        created_ats: list[dt.datetime] = []
        duplicates = 0
        for index in range(n):
            type_code = type_pick(rng)
            group = (
                "student"
                if type_code in STUDENT_TYPES
                else "vaekstpilot"
                if type_code == "ordinary_job_vaekstpilot"
                else "job"
            )
            month = month_pick[group](rng)
            day = month.replace(day=rng.randint(1, calendar.monthrange(month.year, month.month)[1]))
            day = min(max(day, start), end)
            code = municipality_pick(rng)
            company = company_pick[code](rng)
            org, activity, note, extra = self._partner_and_activity(type_code, group, code, day)
            institution, level = self._education_source(org, group)

            # Some are people met before (a student job that became an ordinary job, say): same person key,
            # another company, so the registry's duplicate rule does not apply.
            known = None
            if people and rng.random() < 0.12:
                candidate = rng.choice(people)
                if candidate[1] == institution and (candidate[0], company.pk) not in seen_people:
                    known = candidate
            if known is None:
                education = rng.choice(PROGRAMMES[(institution, level)])
                known = (person_key_for(f"{person}-{len(people) + 1}"), institution, education, level)
                people.append(known)
            seen_people.add((known[0], company.pk))
            key, institution, education, level = known

            status, reason, verifier, verified_at = self._status(org, day)
            created_at = _aware(
                min(day + dt.timedelta(days=rng.randint(-20, 25)), end), rng.randint(8, 15), rng.randint(0, 59)
            )
            if verified_at is not None:
                verified_at = min(
                    max(verified_at, created_at + dt.timedelta(days=rng.randint(1, 30))), _aware(end, 16, 0)
                )
            rows.append(
                Match(
                    programme=programme,
                    company=company,
                    municipality_id=code,
                    match_type=self.types[type_code],
                    start_date=day,
                    person_key=key,
                    institution=institution,
                    education=education,
                    education_level=self.levels[level],
                    registering_org=org,
                    activity=activity,
                    activity_note=note,
                    status=status,
                    rejection_reason=reason,
                    verified_by=verifier or (fallback_user if verified_at else None),
                    verified_at=verified_at,
                    created_by=self._staff_user(org),
                    is_synthetic=True,
                    **derived_fields(
                        programme=programme, start_date=day, municipality_code=code, registering_org=org
                    ),
                )
            )
            created_ats.append(created_at)
            contributions.append((index, org, MatchContribution.Role.REGISTERED))
            contributions.extend((index, c, MatchContribution.Role.CONTRIBUTED) for c in extra)
            # About 2 % were registered again by a second partner and merged into this match.
            if rng.random() < 0.02 and status != Match.Status.REJECTED:
                second = self._second_partner(org, extra, group, code)
                if second is not None:
                    contributions.append((index, second, MatchContribution.Role.DUPLICATE))
                    duplicates += 1

        created = Match.objects.bulk_create(rows, batch_size=500)
        # auto_now_add stamps "now"; the demo should look registered over three years.
        for index, match in enumerate(created):
            match.created_at = match.updated_at = created_ats[index]
        Match.objects.bulk_update(created, ["created_at", "updated_at"], batch_size=500)
        MatchContribution.objects.bulk_create(
            [MatchContribution(match=created[i], organisation=o, role=r) for i, o, r in contributions],
            batch_size=1000,
        )
        return len(created), duplicates

    def _partner_and_activity(
        self, type_code: str, group: str, code: str, start: dt.date
    ) -> tuple[Organisation, str, str, list[Organisation]]:
        """Registering organisation, activity, activity note and contributing partners."""
        rng, orgs = self.rng, self.orgs
        slug = _org_slug_part(self.municipalities[code].name)
        jobcentre, office = orgs[f"jobcenter-{slug}"], orgs[f"erhvervskontor-{slug}"]
        season = "forår" if start.month <= 6 else "efterår"
        bourse = {
            "student_project": "Projektbørs",
            "student_internship": "Praktikbørs",
            "student_job": "Studiejobbørs",
        }.get(type_code, "Børs")
        if group == "student":
            r = rng.random()
            if r < 0.40:
                activity = _pick(
                    rng, ((Activity.BOURSE, 60), (Activity.MEET_AND_GREET, 15), (Activity.COMPANY_CONTACT, 25))
                )
                org = orgs["aau"]
            elif r < 0.70:
                activity = _pick(
                    rng,
                    (
                        (Activity.BOURSE, 50),
                        (Activity.MEET_AND_GREET, 20),
                        (Activity.REGIONAL_EVENT, 12),
                        (Activity.COMPANY_CONTACT, 18),
                    ),
                )
                org = orgs["ucn"]
            else:
                activity = _pick(
                    rng, ((Activity.MEET_AND_GREET, 35), (Activity.COMPANY_CONTACT, 45), (Activity.JOB_FAIR, 20))
                )
                org = office
            note = f"{bourse} {org.short_name or org.name} {season} {start.year}" if activity == Activity.BOURSE else ""
            return org, activity, note, []
        if group == "vaekstpilot":
            org = office if rng.random() < 0.7 else jobcentre
            return org, Activity.VAEKSTPILOT, "", [orgs["erhvervshus-nordjylland"]]
        if rng.random() < 0.117:
            activity = _pick(
                rng,
                ((Activity.RECRUITMENT_SERVICE, 50), (Activity.TALENT_ATTRACTION, 35), (Activity.COMPANY_CONTACT, 15)),
            )
            note = f"Talent Attraction {start.year}" if activity == Activity.TALENT_ATTRACTION else ""
            return orgs["akademikernes-a-kasse"], activity, note, []
        if type_code == "ordinary_job" and code == AALBORG_CODE and rng.random() < 0.12:
            return orgs["central-matchningsenhed"], Activity.CENTRAL_MATCHING, "", []
        if type_code == "ordinary_job":
            org = jobcentre if rng.random() < 0.6 else office
        else:
            org = jobcentre if rng.random() < 0.9 else office
        if code != AALBORG_CODE and rng.random() < 0.07:
            return org, Activity.CENTRAL_MATCHING, "", [orgs["central-matchningsenhed"]]
        activity = _pick(
            rng,
            (
                (Activity.COMPANY_CONTACT, 60),
                (Activity.JOB_FAIR, 15),
                (Activity.JOB_SEARCH_COURSE, 20 if org.kind == Organisation.Kind.JOBCENTRE else 0),
                (Activity.OTHER, 5),
            ),
        )
        return org, activity, "", []

    def _education_source(self, org: Organisation, group: str) -> tuple[str, str]:
        """Institution and level, consistent with each other (UCN: KVU/MVU; AAU: MVU/LVU)."""
        rng = self.rng
        if org.slug == "aau":
            return AAU, _pick(rng, (("LVU", 65), ("MVU", 35)))
        if org.slug == "ucn":
            return UCN, _pick(rng, (("KVU", 45), ("MVU", 55)))
        if org.slug == "akademikernes-a-kasse":
            if rng.random() < 0.75:
                return AAU, _pick(rng, (("LVU", 85), ("MVU", 15)))
            institution, level, _w = _pick(rng, [(x, x[2]) for x in OTHER_UNIVERSITY_LEVELS])
            return institution, level
        r = rng.random()
        if group == "student" or r < 0.50:
            if rng.random() < (0.55 if group == "student" else 0.6):
                return AAU, _pick(rng, (("LVU", 60), ("MVU", 40)))
            return UCN, _pick(rng, (("KVU", 50), ("MVU", 50)))
        if r < 0.85:
            return UCN, _pick(rng, (("KVU", 50), ("MVU", 50)))
        institution, level = _pick(
            rng,
            (
                (("Aarhus Universitet", "LVU"), 3),
                (("Syddansk Universitet", "LVU"), 2),
                (("Københavns Universitet", "LVU"), 1),
                (("Erhvervsakademi Aarhus", "KVU"), 2),
                (("VIA University College", "MVU"), 2),
            ),
        )
        return institution, level

    def _status(self, org: Organisation, start: dt.date) -> tuple[str, str, User | None, dt.datetime | None]:
        rng = self.rng
        r = rng.random()
        lead = self.users.get(LEAD_FOR_PARTNER.get(org.partner.slug, "koordinator"))
        decided = _aware(min(start + dt.timedelta(days=rng.randint(10, 60)), self.end), 10, 0)
        if r < 0.03:
            return Match.Status.REJECTED, rng.choice(REJECTION_REASONS), lead, decided
        # The lead catches up: older matches are nearly all verified, the last months mostly not yet.
        verified_share = 0.4 if start >= self.end - dt.timedelta(days=120) else 0.8
        if r < 0.03 + verified_share * 0.97:
            return Match.Status.VERIFIED, "", lead, decided
        return Match.Status.REGISTERED, "", None, None

    def _staff_user(self, org: Organisation) -> User | None:
        for spec in DEMO_USERS:
            if spec.organisation == org.slug and spec.role == User.Role.PARTNER_STAFF:
                return self.users.get(spec.username)
        return None

    def _second_partner(
        self, org: Organisation, extra: list[Organisation], group: str, code: str
    ) -> Organisation | None:
        """Another partner that plausibly registered the same match too."""
        slug = _org_slug_part(self.municipalities[code].name)
        options = (
            ["aau", "ucn", f"erhvervskontor-{slug}"]
            if group == "student"
            else ["akademikernes-a-kasse", f"jobcenter-{slug}", f"erhvervskontor-{slug}", "central-matchningsenhed"]
        )
        used = {org.pk, *(o.pk for o in extra)}
        candidates = [
            self.orgs[s] for s in options if self.orgs[s].pk not in used and self.orgs[s].partner.pk != org.partner.pk
        ]
        return self.rng.choice(candidates) if candidates else None

    # -- activity registrations ----------------------------------------------------------------------------

    def _activity_registrations(self, programme: Programme, start: dt.date, end: dt.date) -> int:
        """Reports towards the event/people/percent targets (events held, people reached) from `start` to
        `end`. Events are on working days; the bourses the events demo holds in the last year are not
        registered here a second time."""
        rng = self.rng
        targets = {t.code: t for t in ActivityTarget.objects.filter(programme=programme)}
        by = {
            slug: self.users.get(name)
            for slug, name in (
                ("ucn", "ucn.erhverv"),
                ("aka", "aka.rekruttering"),
                ("jca", "aalborg.konsulent"),
                ("coord", "koordinator"),
                ("aau", "aau.karriere"),
            )
        }
        rows: list[ActivityRegistration] = []

        def add(code: str, date: dt.date, amount: int, what: str, user: User | None) -> None:
            # Only targets nothing in the platform measures take registrations (the others are derived).
            if code in targets and targets[code].manual and start <= date <= end:
                rows.append(
                    ActivityRegistration(
                        activity_target=targets[code],
                        date=date,
                        amount=amount,
                        note=f"{SYNTHETIC_NOTE}: {what}",
                        registered_by=user,
                    )
                )

        years = programme.project_years()
        # UCN's bourses: a project bourse in September, an internship bourse in February, and from the
        # second project year student-job bourses in November and April.
        ucn_bourses = []
        for n, year in enumerate(years):
            ucn_bourses += [(year, 9, f"Projektbørs efterår {year}"), (year + 1, 2, f"Praktikbørs forår {year + 1}")]
            if n:
                ucn_bourses += [(year, 11, f"Studiejobbørs efterår {year}"), (year + 1, 4, f"Studiejobbørs forår {year + 1}")]
        for year, month, what in sorted(ucn_bourses)[:8]:
            add("ucn-bourses-held", working_day_on_or_after(dt.date(year, month, rng.randint(5, 20))), 1, f"UCN {what}",
                by["ucn"])
        for month in _months(start, end)[2:]:  # Akademikernes A-kasse: Talent Attraction events most months
            if month.month in (7, 12) or rng.random() < 0.2:
                continue
            day = working_day_on_or_after(month.replace(day=rng.randint(3, 24)))
            add("aka-talent-attraction-events", day, 1, "Talent Attraction-arrangement", by["aka"])
            add("aka-talent-attraction-members", day, rng.randint(12, 30), "deltagende medlemmer", by["aka"])
            if rng.random() < 0.4:
                add("aka-workshop-invited", day, rng.randint(40, 90), "inviteret til forberedende workshop", by["aka"])
            if rng.random() < 0.8:
                bridge = working_day_on_or_after(day + dt.timedelta(days=2))
                add("ma-bridge-events", bridge, 1, "Brobygningsarrangement", by["coord"])
                add(
                    "ma-bridge-members",
                    bridge,
                    rng.randint(30, 70),
                    "deltagende medlemmer",
                    by["coord"],
                )
            add(
                "jca-job-search-offered",
                month.replace(day=1),
                rng.randint(12, 26),
                "ledige tilbudt jobsøgningsforløb",
                by["jca"],
            )
        for year in years:
            add(
                "theme-day-staff",
                working_day_on_or_after(dt.date(year + 1, 3, rng.randint(1, 26))),
                rng.randint(55, 78),
                "Temadag for partnernes medarbejdere",
                by["coord"],
            )
            add(
                "jca-job-search-employed",
                dt.date(year + 1, 6, 30),
                rng.randint(44, 56),
                f"Andel i beskæftigelse inden 4 måneder, projektår {year}/{str(year + 1)[2:]}",
                by["jca"],
            )
            add(
                "aau-knowledge-gain",
                dt.date(year + 1, 6, 30),
                rng.randint(86, 94),
                f"Opfølgning på studentersamarbejder, projektår {year}/{str(year + 1)[2:]}",
                by["aau"],
            )
            if year > years[0]:
                add(
                    "vaekstpilot-continuing",
                    dt.date(year + 1, 6, 30),
                    rng.randint(84, 92),
                    f"Vækstpiloter i ordinær beskæftigelse, projektår {year}/{str(year + 1)[2:]}",
                    by["coord"],
                )
        return len(ActivityRegistration.objects.bulk_create(rows))


def working_day_on_or_after(day: dt.date) -> dt.date:
    """The first working day from `day` on: no weekend, no Danish public holiday, and not Christmas Eve or
    New Year's Eve (days off in practice), so no demo event lands on 25 December or a Saturday."""
    while not is_working_day(day) or (day.month, day.day) in ((12, 24), (12, 31)):
        day += dt.timedelta(days=1)
    return day


def _org_slug_part(municipality_name: str) -> str:
    """'Hjørring' -> 'hjoerring', as in the organisation slugs of the reference data."""
    return municipality_name.lower().replace("ø", "oe").replace("æ", "ae").replace("å", "aa")


def _aware(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


def demo_result_lines(result: DemoResult) -> list[str]:
    """A short Danish summary of what the loader created (what a person starting the demo wants to know)."""
    lines = [_("Syntetiske demodata indlæst på %(s).1f sekunder:") % {"s": result.seconds}]
    lines.append(_("- %(c)s opdigtede virksomheder og %(u)s demobrugere (logins nedenfor).")
                 % {"c": result.companies, "u": len(DEMO_USERS)})
    lines.append(_("- %(m)s match i %(p)s (2020–2023), %(d)s dubletter flettet.")
                 % {"m": result.matches, "p": PERIOD_LABEL, "d": result.merged_duplicates})
    if result.programme is not None:
        lines.append(
            _("- Den aktuelle programperiode er syntetisk: «%(name)s» (%(start)s – %(end)s) med %(m)s match indtil i dag.")
            % {"name": result.programme.name, "start": result.programme.start_date.strftime("%d-%m-%Y"),
               "end": result.programme.end_date.strftime("%d-%m-%Y"), "m": result.current_matches}
        )
    lines.append(_("- %(a)s aktivitetsregistreringer mod aktivitetsmålene.") % {"a": result.activity_registrations})
    lines.append(_("- %(n)s virksomhedsbehov, %(r)s henvisninger, %(k)s kontakter og %(h)s overdragelser.")
                 % {"n": result.needs, "r": result.referrals, "k": result.contacts, "h": result.handovers})
    lines.append(_("- %(c)s kandidatprofiler med samtykke til matchning (forslag til behovene).")
                 % {"c": result.candidates})
    if result.events is not None:
        lines.append(
            _("- %(e)s arrangementer på hverdage (afholdte og kommende); børserne har %(c)s cases og %(p)s deltagere "
              "med prioriteringer, klar til fordeling.")
            % {"e": result.events.events, "c": result.events.bourse_cases, "p": result.events.bourse_participants}
        )
    if result.vaekstpilot is not None:
        lines.append(_("- %(a)s Vækstpilot-ansøgninger, heraf %(s)s forløb i gang eller afsluttet (hvert er et match).")
                     % {"a": result.vaekstpilot.applications, "s": result.vaekstpilot.started})
    if result.cases:
        lines.append(_("- %(c)s cases på caseplatformen, %(p)s offentliggjort.")
                     % {"c": result.cases.get("cases", 0), "p": result.cases.get("published", 0)})
    return lines


def demo_summary() -> dict[str, Any]:
    """Aggregate counts of the synthetic data (used by tests and the command's report)."""
    qs = Match.objects.filter(is_synthetic=True)
    return {
        "matches": qs.count(),
        "companies": Company.objects.filter(is_synthetic=True).count(),
        "by_municipality": dict(Counter(qs.values_list("municipality_id", flat=True))),
        "by_type": dict(Counter(qs.values_list("match_type_id", flat=True))),
        "outside_aalborg": qs.filter(outside_aalborg=True).count(),
        "municipal_part": qs.filter(target_part="municipal").count(),
    }
