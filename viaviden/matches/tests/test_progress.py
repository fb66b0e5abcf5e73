"""Progress: exact numbers on a small known data set, activity targets, the dashboard (permissions,
links, query count) and its CSV/XLSX exports."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from viaviden.cohorts.selectors import _organisation_ids
from viaviden.events.selectors import event_figures
from viaviden.matches.context_processors import synthetic_flag
from viaviden.matches.models import Target
from viaviden.matches.progress import progress_overview
from viaviden.matches.tests.factories import make_match
from viaviden.organisations.models import Organisation, User
from viaviden.reports.figures import activity_target_figures, figures_context, programme_figures
from viaviden.reports.headline import headline_figures
from viaviden.reports.measures import _org_ids_under, held_events, knowledge

pytestmark = pytest.mark.django_db

TODAY = dt.date(2021, 7, 1)  # 366 of the period's 1,095 days have passed (today included)


@pytest.fixture
def known(programme):
    """Seven matches; one rejected. Comments: registering org → partner, workplace, target part."""
    return {
        # Jobcenter Hjørring → Hjørring municipality, Thisted workplace, municipal part.
        "m1": make_match(
            organisation="jobcenter-hjoerring",
            municipality="787",
            match_type="ordinary_job",
            level="KVU",
            start_date=dt.date(2021, 3, 1),
        ),
        # Central Matching Unit → Aalborg municipality, Aalborg workplace, municipal part, verified.
        "m2": make_match(
            organisation="central-matchningsenhed",
            municipality="851",
            match_type="student_job",
            level="LVU",
            start_date=dt.date(2020, 9, 15),
            status="verified",
        ),
        # AAU, Aalborg workplace, partner part, from a bourse.
        "m3": make_match(
            organisation="aau",
            municipality="851",
            match_type="student_project",
            level="LVU",
            start_date=dt.date(2021, 10, 1),
            activity="bourse",
        ),
        # UCN, Hjørring workplace, partner part, verified, from a bourse.
        "m4": make_match(
            organisation="ucn",
            municipality="860",
            match_type="student_internship",
            level="MVU",
            start_date=dt.date(2022, 2, 1),
            status="verified",
            activity="bourse",
        ),
        # Erhvervskontor Hjørring → Hjørring municipality, but an Aalborg workplace: counts for Aalborg.
        "m5": make_match(
            organisation="erhvervskontor-hjoerring",
            municipality="851",
            match_type="ordinary_job",
            level="MVU",
            start_date=dt.date(2022, 8, 1),
        ),
        # Magistrenes A-kasse: no target share, counts in the total only.
        "m6": make_match(
            organisation="magistrenes-a-kasse",
            municipality="773",
            match_type="ordinary_job",
            level="LVU",
            start_date=dt.date(2023, 1, 10),
        ),
        # Rejected: counts nowhere.
        "m7": make_match(
            organisation="jobcenter-hjoerring",
            municipality="860",
            match_type="wage_subsidy",
            level="KVU",
            start_date=dt.date(2021, 4, 1),
            status="rejected",
        ),
    }


def _by_key(rows):
    return {r["key"]: r for r in rows}


def _lead_of(match):
    return User.objects.create_user(
        f"lead-{match.pk}", password="x" * 14, role=User.Role.PARTNER_LEAD, organisation=match.registering_org
    )


def _org(slug):
    return Organisation.objects.get(slug=slug)


def test_totals_exclude_rejected_and_split_registered_verified(known, programme):
    t = progress_overview(programme, today=TODAY)["totals"]
    assert (t["target"], t["actual"], t["registered"], t["verified"]) == (2000, 6, 4, 2)
    # 2000 × 366/1095 = 668.5 → 668 expected; (2000 − 6) / (729 days / 30.4375) = 83.25 a month.
    assert (t["expected"], t["required_per_month"], t["pct"], t["on_track"]) == (668, 83.3, 0.3, False)


def test_period_elapsed_share(known, programme):
    period = progress_overview(programme, today=TODAY)["period"]
    assert period == {
        "start": dt.date(2020, 7, 1),
        "end": dt.date(2023, 6, 30),
        "days": 1095,
        "elapsed_days": 366,
        "remaining_days": 729,
        "elapsed_pct": 33.4,
        "remaining_months": 24.0,
    }


def test_outside_aalborg_share(known, programme):
    assert progress_overview(programme, today=TODAY)["outside_aalborg"] == {
        "count": 3,
        "total": 6,
        "pct": 50.0,
        "first_project_pct": 40.0,
    }  # m1 Thisted, m4 Hjørring, m6 Morsø


def test_municipal_and_partner_parts(known, programme):
    parts = _by_key(progress_overview(programme, today=TODAY)["parts"])
    assert (parts["municipal"]["target"], parts["municipal"]["actual"], parts["municipal"]["verified"]) == (1400, 3, 1)
    assert (parts["partner"]["target"], parts["partner"]["actual"], parts["partner"]["verified"]) == (600, 2, 1)
    assert (parts["none"]["target"], parts["none"]["actual"]) == (None, 1)
    assert parts["municipal"]["expected"] == 468  # 1400 × 366/1095 = 467.9


def test_municipality_table_counts_municipal_part_by_workplace(known, programme):
    rows = _by_key(progress_overview(programme, today=TODAY)["municipalities"])
    assert len(rows) == 11
    assert {code: r["actual"] for code, r in rows.items() if r["actual"]} == {"787": 1, "851": 2}
    assert (rows["860"]["actual"], rows["860"]["all_actual"]) == (0, 1)  # UCN's match counts for UCN, not Hjørring
    assert (rows["851"]["registered"], rows["851"]["verified"], rows["851"]["all_actual"]) == (1, 1, 3)
    assert rows["851"]["target"] == Target.objects.get(programme=programme, municipality_id="851").value == 517
    assert (rows["825"]["target"], rows["825"]["excluded"], rows["851"]["excluded"]) == (0, True, False)
    assert rows["851"]["expected"] == 173  # 517 × 366/1095 = 172.8
    assert rows["851"]["params"] == {"municipality": "851", "target_part": "municipal"}


def test_partner_table_rolls_units_up_to_the_municipality(known, programme):
    rows = progress_overview(programme, today=TODAY)["partners"]
    slugs = dict(Organisation.objects.values_list("pk", "slug"))
    # Partner-part partners first (they have targets), then municipalities, then the rest.
    assert [(slugs[r["key"]], r["actual"], r["target"]) for r in rows] == [
        ("aau", 1, 243),
        ("akademikernes-a-kasse", 0, 49),
        ("ucn", 1, 308),
        ("kommune-aalborg", 1, None),
        ("kommune-hjoerring", 2, None),
        ("magistrenes-a-kasse", 1, None),
    ]
    assert rows[0]["params"] == {"partner": _org("aau").pk}


def test_match_type_and_level_tables(known, programme):
    overview = progress_overview(programme, today=TODAY)
    assert {k: r["actual"] for k, r in _by_key(overview["match_types"]).items()} == {
        "student_project": 1,
        "student_internship": 1,
        "student_job": 1,
        "company_internship": 0,
        "wage_subsidy": 0,
        "ordinary_job": 3,
        "ordinary_job_vaekstpilot": 0,
    }
    levels = _by_key(overview["levels"])
    assert {k: (r["actual"], r["share"]) for k, r in levels.items()} == {
        "KVU": (1, 16.7),
        "MVU": (2, 33.3),
        "LVU": (3, 50.0),
    }
    assert levels["LVU"]["params"] == {"level": "LVU"}


def test_half_year_and_project_year_tables_with_targets_by_days(known, programme):
    overview = progress_overview(programme, today=TODAY)
    half = _by_key(overview["half_years"])
    assert list(half) == ["2020-H2", "2021-H1", "2021-H2", "2022-H1", "2022-H2", "2023-H1"]
    assert {k: r["actual"] for k, r in half.items()} == dict.fromkeys(half, 1)
    assert sum(r["target"] for r in half.values()) == 2000
    # 2000 × 184/1095 = 336.1 for the second halves, × 181/1095 = 330.6 for the first; the two units left
    # go to the first two of the equal remainders.
    assert {k: r["target"] for k, r in half.items()} == {
        "2020-H2": 336,
        "2021-H1": 331,
        "2021-H2": 336,
        "2022-H1": 331,
        "2022-H2": 336,
        "2023-H1": 330,
    }
    years = _by_key(overview["project_years"])
    assert {y: (r["actual"], r["target"]) for y, r in years.items()} == {2020: (2, 667), 2021: (2, 667), 2022: (2, 666)}
    # The first project year is over: everything expected, nothing more to do in it.
    assert (years[2020]["expected"], years[2020]["required_per_month"]) == (667, None)
    assert (years[2021]["expected"], years[2021]["params"]) == (2, {"project_year": 2021})  # 667 × 1/365


def test_overview_query_count_does_not_grow_with_matches(known, programme, django_assert_num_queries):
    # 1 fingerprint query + 4 aggregate scans (cache empty) + 6 small reference/target queries.
    with django_assert_num_queries(11):
        progress_overview(programme, today=TODAY)
    for i in range(12):
        make_match(
            organisation="aau" if i % 2 else "jobcenter-thisted",
            municipality="813",
            start_date=dt.date(2022, 1, 1 + i),
            level="MVU",
        )
    with django_assert_num_queries(11):
        progress_overview(programme, today=TODAY)


def test_aggregates_are_cached_until_a_match_changes(known, programme, django_assert_num_queries):
    before = progress_overview(programme, today=TODAY)["totals"]
    with django_assert_num_queries(7):  # no aggregate scan: served from the cache
        assert progress_overview(programme, today=TODAY)["totals"] == before
    # An insert (newest id) and an edit (latest updated_at) both invalidate.
    make_match(organisation="jobcenter-thisted", municipality="787", start_date=dt.date(2022, 5, 2))
    after_insert = progress_overview(programme, today=TODAY)["totals"]
    assert after_insert["actual"] == before["actual"] + 1
    m1 = known["m1"]
    m1.refresh_from_db()
    from viaviden.matches.services import match_reject

    match_reject(user=_lead_of(m1), match=m1, version=m1.version, reason="Ikke højtuddannet")
    assert progress_overview(programme, today=TODAY)["totals"]["actual"] == after_insert["actual"] - 1


# --- Dashboard page ---------------------------------------------------------------------------------------------


def test_dashboard_anonymous_goes_to_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_dashboard_steering_group_sees_aggregates_without_links_or_company_names(known, staff_client, user_factory):
    steering = user_factory(role=User.Role.STEERING_GROUP, organisation="kkr-nordjylland")
    response = staff_client(steering).get(reverse("dashboard"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="table-municipalities"' in body and 'data-testid="outside-aalborg">50,0 %' in body
    assert reverse("match_list") not in body
    assert known["m1"].company.name not in body and "Syntetisk Virksomhed" not in body
    assert "midlertidig erstatning (befolkningstal)" in body


def test_dashboard_partner_staff_gets_numbers_linked_to_the_matches(known, staff_client, user_factory):
    staff = user_factory(role=User.Role.PARTNER_STAFF, organisation="jobcenter-hjoerring")
    response = staff_client(staff).get(reverse("dashboard"))
    body = response.content.decode()
    base = reverse("match_list")
    today = timezone.localdate().isoformat()  # each number links to the matches it counts as of the cut-off
    assert response.status_code == 200
    assert f'href="{base}?municipality=851&amp;target_part=municipal&amp;programme=vvv-2-0&amp;start_date_to={today}&amp;status=counted">2</a>' in body
    assert f'href="{base}?municipality=851&amp;target_part=municipal&amp;programme=vvv-2-0&amp;start_date_to={today}&amp;status=verified">1</a>' in body
    assert f'href="{base}?municipality=860&amp;programme=vvv-2-0&amp;start_date_to={today}&amp;status=counted">1</a>' in body
    assert f'href="{base}?partner={_org("kommune-hjoerring").pk}&amp;programme=vvv-2-0&amp;start_date_to={today}&amp;status=counted">2</a>' in body
    assert f'href="{base}?match_type=ordinary_job&amp;programme=vvv-2-0&amp;start_date_to={today}&amp;status=counted">3</a>' in body
    assert f'href="{base}?level=LVU&amp;programme=vvv-2-0&amp;start_date_to={today}&amp;status=counted">3</a>' in body
    assert f'href="{base}?half_year=2022-H2&amp;programme=vvv-2-0&amp;start_date_to={today}&amp;status=counted">1</a>' in body
    assert f'href="{base}?project_year=2020&amp;programme=vvv-2-0&amp;start_date_to={today}&amp;status=counted">2</a>' in body
    assert f'href="{base}?programme=vvv-2-0&amp;start_date_to={today}&amp;status=registered">4</a>' in body
    assert 'id="dashboard-charts"' in body and "js/dashboard.js" in body and "<script>" not in body
    assert 'role="img"' in body and 'aria-describedby="table-municipalities"' in body
    assert "Syntetisk Virksomhed" not in body


def test_dashboard_as_of_a_date_links_every_number_to_the_matches_counted_then(known, staff_client, user_factory):
    """?as_of=: the counts, the links to the match list, the exports, the targets page and the Vækstpilot
    section all carry the cut-off; the steering group gets the same aggregates without a link to a match."""
    base = reverse("match_list")
    coordinator = staff_client(user_factory(role=User.Role.COORDINATOR))
    body = coordinator.get(reverse("dashboard"), {"programme": "vvv-2-0", "as_of": "2021-12-31"}).content.decode()
    # m1 (2020-09), m2 and m3 start by 2021-12-31; m4 (2022-02) does not.
    assert f'href="{base}?programme=vvv-2-0&amp;start_date_to=2021-12-31&amp;status=counted">' in body
    assert f'href="{base}?project_year=2021&amp;programme=vvv-2-0&amp;start_date_to=2021-12-31&amp;status=counted">' in body
    links = [h for h in body.split('href="')[1:] if h.startswith(base + "?")]
    assert links and all("start_date_to=2021-12-31" in h.split('"')[0] for h in links)
    assert f'hx-get="{reverse("vaekstpilot_figures_fragment")}?programme=vvv-2-0&amp;as_of=2021-12-31"' in body
    assert f'{reverse("dashboard_export", args=["totals", "csv"])}?programme=vvv-2-0&amp;as_of=2021-12-31' in body
    steering = user_factory(role=User.Role.STEERING_GROUP, organisation="kkr-nordjylland")
    body = staff_client(steering).get(reverse("dashboard"), {"programme": "vvv-2-0", "as_of": "2021-12-31"}).content.decode()
    assert base not in body and "start_date_to" not in body


def test_dashboard_query_count_is_independent_of_the_number_of_matches(
    known, staff_client, user_factory, django_assert_max_num_queries
):
    client = staff_client(user_factory(role=User.Role.COORDINATOR))
    # Constant: the activity targets read each owning module once (events, Vækstpilot, surveys, cases); the
    # headline cards, the event block and the activity targets share what they all need (reports.figures.
    # figures_context: the match aggregates, pilot_figures, the held events, the knowledge share), so the
    # headline adds only the answer promise and the Vækstpilot money, quotas and waiting list (49 before).
    with django_assert_max_num_queries(37) as small:
        assert client.get(reverse("dashboard")).status_code == 200
    for i in range(15):
        make_match(organisation="ucn", municipality="849", start_date=dt.date(2022, 3, 1 + i))
    with django_assert_max_num_queries(37) as large:
        assert client.get(reverse("dashboard")).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_dashboard_reads_each_shared_figure_once(known, staff_client, user_factory):
    """pilot_figures (its follow-up counts, the scheme's rules), the knowledge share, the held events and the
    match fingerprint feed several blocks of the page: each is read once a request."""
    client = staff_client(user_factory(role=User.Role.COORDINATOR))
    client.get(reverse("dashboard"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dashboard")).status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]

    def reading(table: str, *also: str) -> int:
        return sum(1 for q in sql if f'FROM "{table}"' in q and all(a in q for a in also))

    assert reading("vaekstpilot_schemerule") == 1
    assert reading("vaekstpilot_followup") == 1
    assert reading("events_survey", 'AS "yes"') == 1
    assert reading("events_event", "attended_at") == 1
    assert reading("matches_programme", 'AS "changed"') == 1  # the match fingerprint
    assert reading("organisations_organisation", '"parent_id" IN') == 0  # the tree from the organisations read


def test_shared_figures_context_gives_the_same_figures(known, programme):
    """The dashboard's blocks computed with one shared context equal each computed on its own."""
    day = dt.date(2022, 3, 1)
    ctx = figures_context(programme, as_of=day)
    overview = programme_figures(programme, as_of=day, ctx=ctx)
    assert overview == programme_figures(programme, as_of=day)
    assert activity_target_figures(programme, as_of=day, ctx=ctx) == activity_target_figures(programme, as_of=day)
    assert headline_figures(programme, overview, ctx=ctx) == headline_figures(programme, overview)
    assert event_figures(programme, as_of=day, held_events=held_events(ctx), knowledge=knowledge(ctx)) == \
        event_figures(programme, as_of=day)
    # A context for another day is not used for this one.
    other = figures_context(programme, as_of=TODAY)
    assert programme_figures(programme, as_of=day, ctx=other) == overview


def test_organisation_tree_from_the_shared_organisations_equals_the_cohorts_tree(known, programme):
    ctx = figures_context(programme, as_of=TODAY)
    for org in Organisation.objects.all():
        assert _org_ids_under(ctx, org.pk) == _organisation_ids(org), org.slug


def test_dashboard_num_renders_as_the_former_include():
    template = Template("{% load dashboard_tags %}[{% dashboard_num n url %}]")
    with translation.override("da"):
        assert template.render(Context({"n": 12345, "url": "/m/?a=1&b=2"})) == '[<a href="/m/?a=1&amp;b=2">12.345</a>\n]'
        assert template.render(Context({"n": 7})) == "[7\n]"  # no link (the steering group)
    with translation.override("en"):
        assert template.render(Context({"n": 12345, "url": ""})) == "[12,345\n]"


def test_dashboard_unknown_programme_is_404(staff_client, user_factory):
    client = staff_client(user_factory(role=User.Role.COORDINATOR))
    assert client.get(reverse("dashboard"), {"programme": "vvv-9-0"}).status_code == 404


# --- Exports ------------------------------------------------------------------------------------------------------


def test_csv_export_is_semicolon_separated_with_bom_and_decimal_comma(known, staff_client, user_factory):
    client = staff_client(user_factory(role=User.Role.STEERING_GROUP, organisation="kkr-nordjylland"))
    response = client.get(reverse("dashboard_export", args=["levels", "csv"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="fremdrift-vvv-2-0-levels-')
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Kode", "Navn", "Registreret", "Verificeret", "I alt", "Andel af alle match (%)"]
    assert rows[1:] == [
        ["KVU", "KVU – Kort videregående uddannelse", "1", "0", "1", "16,7"],
        ["MVU", "MVU – Mellemlang videregående uddannelse", "1", "1", "2", "33,3"],
        ["LVU", "LVU – Lang videregående uddannelse", "2", "1", "3", "50,0"],
    ]


def test_csv_export_of_municipalities_has_targets_and_exclusion(known, staff_client, user_factory):
    client = staff_client(user_factory(role=User.Role.COORDINATOR))
    body = client.get(reverse("dashboard_export", args=["municipalities", "csv"])).content.decode("utf-8-sig")
    rows = {r[0]: r for r in csv.reader(io.StringIO(body), delimiter=";")}
    assert rows["Kommunekode"][:3] == ["Kommunekode", "Navn", "Måltal"]
    assert rows["851"][1:3] == ["Aalborg", "517"] and rows["851"][5:7] == ["1", "2"]
    assert rows["825"][-1] == "ja" and rows["851"][-1] == "nej"


def test_xlsx_export_has_numbers_as_numbers(known, staff_client, user_factory):
    client = staff_client(user_factory(role=User.Role.PARTNER_STAFF, organisation="aau"))
    response = client.get(reverse("dashboard_export", args=["project_years", "xlsx"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ws = load_workbook(io.BytesIO(response.content)).active
    values = list(ws.iter_rows(values_only=True))
    assert values[0][:3] == ("Periode", "Navn", "Måltal")
    assert [(r[0], r[1], r[2], r[6]) for r in values[1:]] == [
        (2020, "2020/21", 667, 2),
        (2021, "2021/22", 667, 2),
        (2022, "2022/23", 666, 2),
    ]


@pytest.mark.parametrize("table", ["totals", "partners", "match_types", "half_years", "activities"])
def test_every_table_exports_in_both_formats(known, staff_client, user_factory, table):
    client = staff_client(user_factory(role=User.Role.COORDINATOR))
    for fmt in ("csv", "xlsx"):
        assert client.get(reverse("dashboard_export", args=[table, fmt])).status_code == 200


def test_export_unknown_table_is_404_and_anonymous_is_redirected(staff_client, user_factory, client):
    staff = staff_client(user_factory(role=User.Role.COORDINATOR))
    assert staff.get("/fremdrift/eksport/companies.csv").status_code == 404
    assert client.get(reverse("dashboard_export", args=["levels", "csv"])).status_code == 302


# --- Synthetic-data notice --------------------------------------------------------------------------------------


def test_synthetic_flag_follows_the_registry(rf):
    flag = synthetic_flag(rf.get("/"))["SYNTHETIC_DATA"]
    assert not flag
    make_match(is_synthetic=True)
    assert synthetic_flag(rf.get("/"))["SYNTHETIC_DATA"]
