"""The competence-guide pages: public pages (content, accessibility markup, query counts) and the
coordinators' edit pages (permission matrix, saving, errors, stale edits, kept by the reference loader)."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from viaviden.candidates.guide_services import fits_fingerprint, programme_fingerprint, task_area_fingerprint
from viaviden.candidates.models import ProgrammeTaskArea, StudyProgramme, TaskArea
from viaviden.organisations.models import User
from viaviden.reference.loader import load_reference_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(user_factory):
    return user_factory(role=User.Role.COORDINATOR, organisation="koordinationsgruppen")


@pytest.fixture
def datamatiker():
    return StudyProgramme.objects.get(slug="datamatiker-ucn")


def programme_post(p: StudyProgramme, **overrides) -> dict:
    data = {
        "name_da": p.name_da, "institution": p.institution, "level": p.level_id, "degree_da": p.degree_da,
        "area_da": p.area_da, "cities": "\n".join(p.cities), "ects": p.ects or "",
        "competences_da": "\n".join(p.competences_da), "typical_tasks_da": "\n".join(p.typical_tasks_da),
        "source_url": p.source_url, "source_year": p.source_year or "", "active": "on" if p.active else "",
        "fingerprint": programme_fingerprint(p),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v not in (None, "")}


def fits_post(p: StudyProgramme, weights: dict[str, str]) -> dict:
    return {"fingerprint": fits_fingerprint(p), **{f"w_{slug}": w for slug, w in weights.items()}}


def fits_of(p: StudyProgramme) -> dict[str, float]:
    return dict(ProgrammeTaskArea.objects.filter(programme=p).values_list("task_area__slug", "weight"))


# --- Public pages ------------------------------------------------------------------------------------


def test_index_offers_search_and_both_entry_points(client):
    response = client.get(reverse("guide_index"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Kompetenceguiden</h1>" in body
    assert 'role="search"' in body
    assert '<h2 id="task-areas-heading">Hvem kan løse opgaven …?</h2>' in body
    assert '<h2 id="programmes-heading">Hvad kan en …?</h2>' in body
    assert f'<a href="{reverse("guide_task_area", args=["it-drift"])}">IT-drift og support</a>' in body
    assert f'<a href="{reverse("guide_programme", args=["datamatiker-ucn"])}">Datamatiker</a>' in body
    assert '<h3 class="mt-6" id="inst-ucn">University College Nordjylland (UCN)</h3>' in body
    assert '<h4 id="inst-ucn-KVU">KVU – Kort videregående uddannelse</h4>' in body
    assert f'href="{reverse("need_public_form")}"' in body
    assert response.context["programme_count"] == StudyProgramme.objects.filter(active=True).count()
    assert len(response.context["task_areas"]) == TaskArea.objects.count()


def test_index_search_narrows_both_lists_and_ignores_unknown_filter_values(client):
    response = client.get(reverse("guide_index"), {"q": "Servere", "level": "XVU", "institution": "UCN"})

    assert response.status_code == 200
    assert [a.slug for a in response.context["task_areas"]] == ["it-drift"]
    programmes = [p for g in response.context["groups"] for lg in g.levels for p in lg.items]
    assert programmes and {p.institution for p in programmes} == {"UCN"}
    assert all("servere" in " ".join(p.competences_da + p.typical_tasks_da).lower() for p in programmes)
    assert "Nulstil søgningen" in response.content.decode()


def test_index_filter_by_task_area(client):
    response = client.get(reverse("guide_index"), {"task_area": "it-drift", "level": "KVU"})

    programmes = {p.slug for g in response.context["groups"] for lg in g.levels for p in lg.items}
    assert programmes == {"datamatiker-ucn", "it-teknolog-ucn", "automationsteknolog-ucn"}


def test_index_query_count(client, django_assert_max_num_queries):
    # task areas, institutions, levels, programmes, the base template's synthetic-data flag, and the page
    # cache's version (core.pagecache: the guides' and the notice's in one statement)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("guide_index"), {"q": "salg", "task_area": "salg"})
    assert response.status_code == 200
    # Served from the page cache: only the one version query.
    with django_assert_max_num_queries(1):
        again = client.get(reverse("guide_index"), {"q": "salg", "task_area": "salg"})
    assert again.status_code == 200


def test_programme_page_says_what_a_graduate_can_do(client, datamatiker):
    response = client.get(reverse("guide_programme", args=[datamatiker.slug]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Hvad kan en med uddannelsen Datamatiker?</h1>" in body
    assert f"<li>{datamatiker.competences_da[0][0].upper()}{datamatiker.competences_da[0][1:]}</li>" in body
    assert f"<li>{datamatiker.typical_tasks_da[0][0].upper()}{datamatiker.typical_tasks_da[0][1:]}</li>" in body
    areas = [(f.task_area.slug, str(f.label)) for f in response.context["programme"].fits]
    assert areas[0] == ("softwareudvikling", "passer rigtig godt")
    assert (f'<th scope="row"><a href="{reverse("guide_task_area", args=["it-drift"])}">IT-drift og support</a>'
            "</th>") in body
    assert "KVU – Kort videregående uddannelse" in body
    assert "erhvervsakademiuddannelse på 2–2½ år" in body
    assert "University College Nordjylland (UCN)" in body
    assert "UCN Teknologi" in body and "Aalborg" in body
    assert "150 ECTS" in body
    assert f'<a href="{datamatiker.source_url}" rel="noopener">{datamatiker.source_url}</a> (2024)' in body
    assert f'href="{reverse("need_public_form")}"' in body
    assert reverse("guide_programme_edit", args=[datamatiker.slug]) not in body


def test_programme_page_query_count(client, datamatiker, django_assert_max_num_queries):
    # programme with level, its task areas, the synthetic-data flag; the page cache's two versions
    with django_assert_max_num_queries(5):
        response = client.get(reverse("guide_programme", args=[datamatiker.slug]))
    assert response.status_code == 200
    with django_assert_max_num_queries(2):  # from the page cache
        assert client.get(reverse("guide_programme", args=[datamatiker.slug])).status_code == 200


def test_task_area_page_shows_who_can_solve_it_on_all_three_levels(client):
    response = client.get(reverse("guide_task_area", args=["it-drift"]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Hvem kan løse opgaver inden for IT-drift og support?</h1>" in body
    assert "netværk" in body  # keywords
    for code, name in [("KVU", "Kort"), ("MVU", "Mellemlang"), ("LVU", "Lang")]:
        assert f'<h3 id="level-{code}">{code} – {name} videregående uddannelse</h3>' in body
    assert (f'<th scope="row"><a href="{reverse("guide_programme", args=["datamatiker-ucn"])}">Datamatiker</a>'
            "</th>") in body
    levels = {g.level.code: [(f.programme.slug, str(f.label)) for f in g.items] for g in response.context["levels"]}
    assert levels["KVU"][:2] == [("it-teknolog-ucn", "passer rigtig godt"), ("datamatiker-ucn", "passer rigtig godt")]
    assert ("datalogi-aau", "passer delvist") in levels["LVU"]
    assert f'href="{reverse("need_public_form")}"' in body


def test_task_area_name_reads_naturally_in_the_heading(client):
    response = client.get(reverse("guide_task_area", args=["markedsfoering"]))

    assert "<h1>Hvem kan løse opgaver inden for markedsføring?</h1>" in response.content.decode()


def test_task_area_page_query_count(client, django_assert_max_num_queries):
    # task area, levels, fits with programmes, the synthetic-data flag; the page cache's two versions
    with django_assert_max_num_queries(6):
        response = client.get(reverse("guide_task_area", args=["markedsfoering"]))
    assert response.status_code == 200
    with django_assert_max_num_queries(2):  # from the page cache
        assert client.get(reverse("guide_task_area", args=["markedsfoering"])).status_code == 200


@pytest.mark.parametrize("name", ["guide_programme", "guide_task_area"])
def test_unknown_slug_is_404(client, name):
    assert client.get(reverse(name, args=["findes-ikke"])).status_code == 404


def test_inactive_programme_is_hidden_from_the_public_but_not_from_coordinators(client, staff_client, coordinator,
                                                                                 datamatiker):
    StudyProgramme.objects.filter(pk=datamatiker.pk).update(active=False)
    url = reverse("guide_programme", args=[datamatiker.slug])

    public = client.get(url)
    index = client.get(reverse("guide_index"))
    as_coordinator = staff_client(coordinator).get(url)

    assert public.status_code == 404
    assert reverse("guide_programme", args=[datamatiker.slug]) not in index.content.decode()
    assert as_coordinator.status_code == 200
    assert "Uddannelsen er inaktiv" in as_coordinator.content.decode()


def test_coordinator_sees_edit_links_on_the_public_pages(staff_client, coordinator, datamatiker):
    c = staff_client(coordinator)

    programme = c.get(reverse("guide_programme", args=[datamatiker.slug])).content.decode()
    area = c.get(reverse("guide_task_area", args=["it-drift"])).content.decode()

    assert reverse("guide_programme_edit", args=[datamatiker.slug]) in programme
    assert reverse("guide_programme_fits", args=[datamatiker.slug]) in programme
    assert reverse("guide_task_area_edit", args=["it-drift"]) in area


# --- Permission matrix for the edit pages ------------------------------------------------------------

EDIT_URLS = [
    ("guide_programme_edit", "datamatiker-ucn"),
    ("guide_programme_fits", "datamatiker-ucn"),
    ("guide_task_area_edit", "it-drift"),
]


@pytest.mark.parametrize(("name", "slug"), EDIT_URLS)
def test_anonymous_is_sent_to_login(client, name, slug):
    response = client.get(reverse(name, args=[slug]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize(("name", "slug"), EDIT_URLS)
@pytest.mark.parametrize(
    ("role", "organisation"),
    [
        (User.Role.STEERING_GROUP, "kkr-nordjylland"),
        (User.Role.PARTNER_STAFF, "ucn"),  # the programme's own institution
        (User.Role.PARTNER_LEAD, "aau"),
        (User.Role.PARTNER_STAFF, "jobcenter-aalborg"),
    ],
)
def test_everyone_but_coordinators_gets_403(user_factory, staff_client, datamatiker, name, slug, role, organisation):
    c = staff_client(user_factory(role=role, organisation=organisation))
    before = (programme_fingerprint(datamatiker), fits_of(datamatiker),
              task_area_fingerprint(TaskArea.objects.get(slug="it-drift")))
    url = reverse(name, args=[slug])

    get = c.get(url)
    post = c.post(url, {"name_da": "Overtaget", "description_da": "x", "keywords_da": "x",
                        "competences_da": "x", "typical_tasks_da": "x", "level": "KVU", "institution": "UCN",
                        "w_it-drift": "0,1"})

    assert (get.status_code, post.status_code) == (403, 403)
    after = (programme_fingerprint(StudyProgramme.objects.get(pk=datamatiker.pk)), fits_of(datamatiker),
             task_area_fingerprint(TaskArea.objects.get(slug="it-drift")))
    assert after == before


@pytest.mark.parametrize(("name", "slug"), EDIT_URLS)
def test_coordinator_reaches_every_edit_page(staff_client, coordinator, name, slug):
    assert staff_client(coordinator).get(reverse(name, args=[slug])).status_code == 200


@pytest.mark.parametrize("name", ["guide_programme_edit", "guide_programme_fits", "guide_task_area_edit"])
def test_unknown_slug_on_an_edit_page_is_404(staff_client, coordinator, name):
    assert staff_client(coordinator).get(reverse(name, args=["findes-ikke"])).status_code == 404


# --- Editing -----------------------------------------------------------------------------------------


def test_coordinator_edits_a_programme_and_the_edit_survives_reloading(staff_client, coordinator, datamatiker):
    response = staff_client(coordinator).post(
        reverse("guide_programme_edit", args=[datamatiker.slug]),
        programme_post(datamatiker, competences_da="kan programmere\n\nkan teste\n", typical_tasks_da="bygge apps",
                       cities="Aalborg\nHjørring"),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("guide_programme", args=[datamatiker.slug])
    load_reference_data()
    saved = StudyProgramme.objects.get(pk=datamatiker.pk)
    assert (saved.competences_da, saved.typical_tasks_da, saved.cities) == (
        ["kan programmere", "kan teste"], ["bygge apps"], ["Aalborg", "Hjørring"])
    assert saved.edited_in_ui is True
    assert LogEntry.objects.get_for_object(saved).order_by("-pk").first().actor == coordinator


def test_programme_edit_without_competences_shows_errors_and_saves_nothing(staff_client, coordinator, datamatiker):
    data = programme_post(datamatiker, name_da="Nyt navn", source_url="ikke et link")
    data["competences_da"] = "\n  \n"

    response = staff_client(coordinator).post(reverse("guide_programme_edit", args=[datamatiker.slug]), data)

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="error-summary"' in body
    assert "Skriv mindst én kompetence (én pr. linje)." in body
    assert StudyProgramme.objects.get(pk=datamatiker.pk).name_da == "Datamatiker"


def test_stale_programme_edit_is_refused_and_keeps_the_input(staff_client, coordinator, datamatiker):
    data = programme_post(datamatiker, name_da="Mit navn")
    StudyProgramme.objects.filter(pk=datamatiker.pk).update(name_da="En andens navn")

    response = staff_client(coordinator).post(reverse("guide_programme_edit", args=[datamatiker.slug]), data)

    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["conflict"] is True
    assert "Siden er ændret af en anden" in body
    assert 'value="Mit navn"' in body
    assert StudyProgramme.objects.get(pk=datamatiker.pk).name_da == "En andens navn"


def test_coordinator_sets_weights_with_danish_decimal_commas(staff_client, coordinator, datamatiker):
    response = staff_client(coordinator).post(
        reverse("guide_programme_fits", args=[datamatiker.slug]),
        fits_post(datamatiker, {"it-drift": "0,9", "softwareudvikling": "1", "salg": " 0.35 "}),
    )

    assert response.status_code == 302
    load_reference_data()
    assert fits_of(datamatiker) == {"it-drift": 0.9, "softwareudvikling": 1.0, "salg": 0.35}
    assert StudyProgramme.objects.get(pk=datamatiker.pk).edited_in_ui is True


def test_fits_form_shows_current_weights(staff_client, coordinator, datamatiker):
    response = staff_client(coordinator).get(reverse("guide_programme_fits", args=[datamatiker.slug]))

    body = response.content.decode()
    assert 'name="w_it-drift" value="0,8"' in body
    assert '<th scope="row"><label class="form-label" for="id_w_it-drift">IT-drift og support</label></th>' in body


@pytest.mark.parametrize(("value", "message"), [
    ("1,5", "Vægten skal være større end 0 og højst 1, fx 0,8."),
    ("0", "Vægten skal være større end 0 og højst 1, fx 0,8."),
    ("meget", "Skriv et tal mellem 0 og 1, fx 0,8."),
])
def test_invalid_weight_is_shown_at_its_field_and_nothing_is_saved(staff_client, coordinator, datamatiker, value,
                                                                   message):
    before = fits_of(datamatiker)

    response = staff_client(coordinator).post(
        reverse("guide_programme_fits", args=[datamatiker.slug]),
        fits_post(datamatiker, {"it-drift": value, "salg": "0,5"}),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["w_it-drift"] == [message]
    assert fits_of(datamatiker) == before


def test_all_weights_empty_is_refused(staff_client, coordinator, datamatiker):
    before = fits_of(datamatiker)

    response = staff_client(coordinator).post(reverse("guide_programme_fits", args=[datamatiker.slug]),
                                              fits_post(datamatiker, {}))

    assert response.status_code == 200
    assert "Vælg mindst ét opgaveområde, som uddannelsen passer til." in response.content.decode()
    assert fits_of(datamatiker) == before


def test_coordinator_edits_a_task_area(staff_client, coordinator):
    area = TaskArea.objects.get(slug="it-drift")

    response = staff_client(coordinator).post(reverse("guide_task_area_edit", args=[area.slug]), {
        "name_da": "IT-drift", "description_da": "Drift af IT.", "keywords_da": "Netværk\nservere\n",
        "fingerprint": task_area_fingerprint(area),
    })

    assert response.status_code == 302
    assert response["Location"] == reverse("guide_task_area", args=[area.slug])
    load_reference_data()
    saved = TaskArea.objects.get(pk=area.pk)
    assert (saved.name_da, saved.keywords_da, saved.edited_in_ui) == ("IT-drift", ["netværk", "servere"], True)


def test_task_area_edit_without_keywords_saves_nothing(staff_client, coordinator):
    area = TaskArea.objects.get(slug="it-drift")

    response = staff_client(coordinator).post(reverse("guide_task_area_edit", args=[area.slug]), {
        "name_da": "IT-drift", "description_da": "Drift af IT.", "keywords_da": " \n ",
        "fingerprint": task_area_fingerprint(area),
    })

    assert response.status_code == 200
    assert "Skriv mindst ét nøgleord (ét pr. linje)." in response.content.decode()
    assert TaskArea.objects.get(pk=area.pk).name_da == "IT-drift og support"
