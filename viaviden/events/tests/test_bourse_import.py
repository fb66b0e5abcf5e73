"""Preferences uploaded from a spreadsheet: all or nothing, with a Danish error per bad row."""

import io

import pytest
from openpyxl import Workbook

from viaviden.core.errors import Forbidden
from viaviden.events import bourse_services as svc
from viaviden.events.models import BourseParticipant, Preference
from viaviden.events.tests.bourse_factories import make_bourse, make_case, make_participant, rank

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(user_factory):
    event = make_bourse(max_ranked_choices=3)
    a = make_case(event, title="Robotter", capacity=4, max_group_size=3)
    b = make_case(event, title="Webshop", capacity=2)
    c = make_case(event, title="Logistik", capacity=5, min_group_size=2)
    make_case(event, title="Ikke offentlig", status="submitted")
    return {"event": event, "a": a, "b": b, "c": c, "user": user_factory(organisation="aau")}


def _csv(text: str) -> io.BytesIO:
    f = io.BytesIO(("\ufeff" + text).encode("utf-8"))
    f.name = "prioriteter.csv"
    return f


def test_a_good_file_creates_participants_and_replaces_known_rankings(setup):
    event, a, b, c = setup["event"], setup["a"], setup["b"], setup["c"]
    known = make_participant(event, members=[{"name": "Kendt", "email": "kendt@example.dk", "level": "MVU",
                                              "programme": ""}])
    rank(known, b)
    text = (
        "Deltager;E-mail;Størrelse;Prioritet;Case;Niveau\n"
        f"Gruppe Øst;oest@example.dk;3;1;{c.pk};LVU\n"
        f"Gruppe Øst;oest@example.dk;3;2;{a.pk};LVU\n"
        f"Kendt;KENDT@example.dk;1;1;Robotter;MVU\n"
        f"Kendt;kendt@example.dk;;2;{b.pk};MVU\n"
        "\n"
    )
    result = svc.bourse_preferences_import(user=setup["user"], event=event, path_or_file=_csv(text))
    assert result.errors == []
    assert (result.committed, result.rows_total, result.participants_created, result.participants_updated,
            result.preferences) == (True, 4, 1, 1, 4)
    group = BourseParticipant.objects.get(contact_email="oest@example.dk")
    assert (group.kind, group.size, group.name, [m["level"] for m in group.members]) == ("group", 3, "Gruppe Øst",
                                                                                        ["LVU"] * 3)
    assert list(group.preferences.order_by("rank").values_list("case_id", flat=True)) == [c.pk, a.pk]
    assert list(known.preferences.order_by("rank").values_list("case_id", flat=True)) == [a.pk, b.pk]


def test_bad_rows_are_reported_one_by_one_and_nothing_is_saved(setup):
    event, a, b = setup["event"], setup["a"], setup["b"]
    text = (
        "deltager,email,stoerrelse,prioritet,case,niveau\n"
        f"Ann,ann@example.dk,1,1,{a.pk},LVU\n"
        "Ann,ann@example.dk,1,2,99999,LVU\n"             # unknown case
        f"Bo,bo@example.dk,1,1,{a.pk},LVU\n"
        f"Bo,bo@example.dk,1,1,{b.pk},LVU\n"             # duplicate rank
        f"Store Gruppe,sg@example.dk,4,1,{a.pk},MVU\n"   # group over the size limit (3)
        f"Cy,cy@example.dk,1,1,{b.pk},PhD\n"             # unknown level
        "Dy,dy@example.dk,1,1,Ikke offentlig,LVU\n"      # not published
    )
    result = svc.bourse_preferences_import(user=setup["user"], event=event, path_or_file=_csv(text))
    assert not result.committed
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "case", "Casen »99999« findes ikke blandt børsens offentliggjorte cases."),
        (5, "prioritet", "Prioritet 1 står allerede for bo@example.dk i række 4."),
        (6, "stoerrelse", "Gruppen er på 4 personer, men casen »Robotter« tager grupper på 1–3 personer."),
        (7, "niveau", "»PHD« er ikke et uddannelsesniveau; brug KVU, MVU eller LVU."),
        (8, "case", "Casen »Ikke offentlig« findes ikke blandt børsens offentliggjorte cases."),
    ]
    assert str(result.errors[0]) == ("Række 3, kolonne case: Casen »99999« findes ikke blandt børsens "
                                     "offentliggjorte cases.")
    assert (BourseParticipant.objects.count(), Preference.objects.count()) == (0, 0)


def test_gaps_too_many_choices_same_case_twice_and_size_changes_are_errors(setup):
    event, a, b, c = setup["event"], setup["a"], setup["b"], setup["c"]
    text = (
        "deltager;email;stoerrelse;prioritet;case;niveau\n"
        f"Ann;ann@example.dk;1;1;{a.pk};LVU\n"
        f"Ann;ann@example.dk;1;3;{b.pk};LVU\n"
        f"Bo;bo@example.dk;2;1;{c.pk};LVU\n"
        f"Bo;bo@example.dk;3;2;{a.pk};LVU\n"
        f"Cy;cy@example.dk;1;1;{a.pk};LVU\n"
        f"Cy;cy@example.dk;1;2;{a.pk};LVU\n"
        f"Dy;dy@example.dk;1;4;{a.pk};LVU\n"
    )
    result = svc.bourse_preferences_import(user=setup["user"], event=event, path_or_file=_csv(text))
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "prioritet"), (5, "stoerrelse"), (7, "case"), (8, "prioritet")]
    assert "uden huller (filen har 1, 3)" in result.errors[0].message
    assert result.errors[3].message == "Der kan højst prioriteres 3 cases på denne børs."
    assert Preference.objects.count() == 0


def test_xlsx_and_header_errors(setup):
    wb = Workbook()
    ws = wb.active
    ws.append(["Deltager", "Email", "Prioritet", "Case", "Niveau", "Uddannelse"])
    ws.append(["Eva", "eva@example.dk", 1, setup["b"].pk, "KVU", "findes-ikke"])
    buf = io.BytesIO()
    wb.save(buf)
    buf.name = "prioriteter.xlsx"
    result = svc.bourse_preferences_import(user=setup["user"], event=setup["event"], path_or_file=buf)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "uddannelse", "Ukendt uddannelse »findes-ikke«.")]
    header = svc.bourse_preferences_import(user=setup["user"], event=setup["event"],
                                           path_or_file=_csv("navn;email;hvad\nA;a@x.dk;1\n"))
    assert [(e.row, e.column) for e in header.errors] == [(1, "hvad"), (1, "prioritet"), (1, "case"), (1, "niveau")]
    assert BourseParticipant.objects.count() == 0


def test_only_the_organisers_upload(setup, user_factory):
    with pytest.raises(Forbidden):
        svc.bourse_preferences_import(user=user_factory(organisation="jobcenter-aalborg"), event=setup["event"],
                                      path_or_file=_csv("deltager;email;prioritet;case;niveau\n"))


def test_the_help_example_for_the_programme_column_is_accepted(setup):
    """The upload's own help text names a programme slug; a file that follows it is accepted (issue 14)."""
    import re

    help_text = str({col: text for col, text, _ in svc.PREFERENCE_COLUMN_HELP}["uddannelse"])
    example = re.search(r"f\.eks\. ([a-z0-9-]+)", help_text).group(1)
    event, a = setup["event"], setup["a"]
    text = (
        "Deltager;E-mail;Prioritet;Case;Niveau;Uddannelse\n"
        f"Eksempel;eksempel@example.dk;1;{a.pk};KVU;{example}\n"
    )
    result = svc.bourse_preferences_import(user=setup["user"], event=event, path_or_file=_csv(text))
    assert result.committed, [str(e) for e in result.errors]
    member = BourseParticipant.objects.get(event=event, contact_email="eksempel@example.dk")
    assert Preference.objects.filter(participant=member).count() == 1
    assert example in str(member.members)
