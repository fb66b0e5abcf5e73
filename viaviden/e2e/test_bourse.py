"""Issue 5 end to end: a company submits a case on the public form; the organiser's staff publish it; a student
group registers and ranks three cases; staff run the stable solver and confirm; the matches appear on the
dashboard, credited to the bourse activity of the lead organiser."""

import datetime as dt
import re

from viaviden.companies import selfservice
from viaviden.events.models import BourseCase, BourseParticipant, BourseRun
from viaviden.events.tests.bourse_factories import make_bourse, make_case
from viaviden.matches.models import Match
from viaviden.organisations.models import Organisation, User
from viaviden.organisations.services import totp_device_ensure, totp_now
from viaviden.reference.loader import load_reference_data

PASSWORD = "Nordjylland-e2e-2021"


def _staff(username: str, org_slug: str, secret_hex: str):
    user = User.objects.create_user(username, password=PASSWORD, role=User.Role.PARTNER_STAFF,
                                    organisation=Organisation.objects.get(slug=org_slug), email=f"{username}@example.dk")
    return user, totp_device_ensure(user, secret_hex=secret_hex)


def _login(page, base: str, username: str, device) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", totp_now(device))
    page.click("main button[type=submit]")
    page.wait_for_url("**/fremdrift/")


def _logout(page) -> None:
    page.click("header form button[type=submit]:has-text('Log af')")
    page.wait_for_load_state()


def _first_int(text: str) -> int:
    return int(re.search(r"\d[\d.]*", text).group(0).replace(".", ""))


def _dashboard_figures(page, base: str) -> tuple[int, int]:
    """(matches in all, achieved on AAU's bourse-matches activity target) as the dashboard shows them."""
    page.goto(f"{base}/fremdrift/")
    total = _first_int(page.inner_text("[data-testid=headline] dd >> nth=0"))
    row = page.locator("#table-activities tr", has_text="AAU: match om studentersamarbejde")
    achieved = _first_int(row.locator("td").nth(2).inner_text())
    return total, achieved


def test_company_case_group_ranking_stable_run_and_confirmed_matches_on_the_dashboard(
    live_server, browser_page, monkeypatch
):
    load_reference_data()  # transactional tests start from an empty database
    monkeypatch.setattr(selfservice, "MIN_FILL_SECONDS", 0)  # the spam timer would otherwise add 3 s
    _aau, aau_device = _staff("aau.boers", "aau", "41" * 20)
    # A second person at AAU runs the solver (a TOTP code cannot be used twice within its 30 s step).
    _aau2, aau2_device = _staff("aau.fordeling", "aau", "42" * 20)
    event = make_bourse(organiser="aau", co_organisers=("ucn",), title="Syntetisk Projektbørs AAU forår 2022",
                        starts_at=dt.datetime(2022, 3, 10, 9, 0, tzinfo=dt.UTC))
    make_case(event, title="Syntetisk energicase", capacity=4, max_group_size=4)
    make_case(event, title="Syntetisk logistikcase", capacity=4, max_group_size=4)
    page, base = browser_page, live_server.url

    # 1. A company submits a case on the public form (no login).
    page.goto(f"{base}/arrangementer/boers/{event.pk}/indsend-case/")
    page.fill("#id_cvr", "12345674")
    page.fill("#id_company_name", "Syntetisk Thy Smedie ApS")
    page.fill("#id_postal_code", "7700")
    page.fill("#id_title", "Syntetisk digital produktionsplan")
    page.fill("#id_challenge", "Vi vil gerne have hjælp til at digitalisere vores produktionsplanlægning.")
    page.check("input[name=collaboration_kind][value=project]")
    page.check("input[name=levels][value=LVU]")
    page.fill("#id_capacity", "4")
    page.fill("#id_max_group_size", "4")
    page.fill("#id_submitter_name", "Syntetisk Kontaktperson")
    page.fill("#id_submitter_email", "kontakt@thysmedie.example")
    page.check("#id_consent")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/indsend-case/sendt/")
    case = BourseCase.objects.get(title="Syntetisk digital produktionsplan")
    assert (case.status, case.company.cvr) == ("submitted", "12345674")

    # 2. The organiser's staff publish it.
    _login(page, base, "aau.boers", aau_device)
    total_before, bourse_before = _dashboard_figures(page, base)
    page.goto(f"{base}/arrangementer/boers/")
    page.click(f"main a:text-is('{event.title}')")
    page.click("main button[aria-label='Offentliggør Syntetisk digital produktionsplan']")
    page.wait_for_selector("text=har nu status: Offentliggjort")
    case.refresh_from_db()
    assert case.status == "published"
    _logout(page)

    # 3. A student group registers and ranks three cases.
    page.goto(f"{base}/arrangementer/boers/{event.pk}/tilmeld/")
    page.check("input[name=kind][value=group]")
    page.fill("#id_name", "Syntetisk Gruppe Nord")
    for i, name in enumerate(("Syntetisk Astrid", "Syntetisk Bo", "Syntetisk Carl"), start=1):
        page.fill(f"#id_member_{i}_name", name)
        page.fill(f"#id_member_{i}_email", f"studerende{i}@example.dk")
        page.select_option(f"#id_member_{i}_level", "LVU")
    page.check("#id_consent")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/arrangementer/boers/{event.pk}/cases/")
    assert "Syntetisk digital produktionsplan" in page.inner_text("main")
    page.click("main a:has-text('Prioritér cases')")
    for i, title in enumerate(("Syntetisk digital produktionsplan", "Syntetisk energicase",
                               "Syntetisk logistikcase"), start=1):
        page.select_option(f"#id_choice_{i}", str(BourseCase.objects.get(title=title).pk))
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/arrangementer/boers/{event.pk}/cases/")
    assert page.locator("#my-ranking li").all_inner_texts() == [
        "Syntetisk digital produktionsplan – Syntetisk Thy Smedie ApS",
        f"Syntetisk energicase – {BourseCase.objects.get(title='Syntetisk energicase').company.name}",
        f"Syntetisk logistikcase – {BourseCase.objects.get(title='Syntetisk logistikcase').company.name}",
    ]
    group = BourseParticipant.objects.get(name="Syntetisk Gruppe Nord")
    assert group.size == 3

    # 4. Staff run the stable solver and confirm.
    _login(page, base, "aau.fordeling", aau2_device)
    page.goto(f"{base}/arrangementer/boers/{event.pk}/")
    page.click("main nav a:text-is('Fordeling')")
    page.check("input[name=mode][value=stable]")
    page.click("main form button:has-text('Beregn fordeling')")
    page.wait_for_url("**/arrangementer/boers/fordelinger/*/")
    assert "Gyldig og stabil fordeling" in page.inner_text("[data-testid=verdict]")
    assert "Syntetisk Gruppe Nord" in page.inner_text("#placements")
    page.click("main form button:has-text('Godkend og registrér match')")
    page.wait_for_selector("text=Fordelingen er godkendt: 3 nye match registreret")
    run = BourseRun.objects.get()
    assert run.is_confirmed
    matches = Match.objects.filter(activity="bourse")
    assert matches.count() == 3
    assert {(m.company.cvr, m.match_type_id, m.registering_org.slug) for m in matches} == {
        ("12345674", "student_project", "aau")}

    # 5. The dashboard counts them, credited to AAU's bourse activity.
    total_after, bourse_after = _dashboard_figures(page, base)
    assert (total_after - total_before, bourse_after - bourse_before) == (3, 3)
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
