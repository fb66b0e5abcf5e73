"""The staff menu: at most seven top-level entries with the pages of each task, each role seeing only its own,
in the DKFDS header with a phone menu button and drawer."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from viaviden.core.navigation import staff_menu
from viaviden.organisations.models import User

pytestmark = pytest.mark.django_db


def _hrefs(groups):
    return {item.href for g in groups for item in g.items}


def test_partner_staff_see_their_work_but_not_administration(user_factory):
    user = user_factory(organisation="jobcenter-hjoerring")
    groups = staff_menu(user, "/virksomheder/12/")
    keys = [g.key for g in groups]
    assert keys == ["overblik", "virksomheder", "kandidater", "arrangementer", "vaekstpilot", "cases"]
    assert reverse("audit_log") not in _hrefs(groups) and reverse("overdue_list") not in _hrefs(groups)
    active = [g.key for g in groups if g.active]
    assert active == ["virksomheder"]  # a company's own page lies under the company list
    assert [i.label for g in groups for i in g.items if i.current] == ["Virksomheder"]


def test_coordinators_get_administration_and_at_most_seven_entries(user_factory):
    user = user_factory(organisation="koordinationsgruppen", role=User.Role.COORDINATOR)
    groups = staff_menu(user, reverse("match_create"))
    assert len(groups) == 7
    assert {reverse("audit_log"), reverse("service_list"), reverse("overdue_list")} <= _hrefs(groups)
    assert [i.href for g in groups for i in g.items if i.current] == [reverse("match_create")]


def test_the_steering_group_sees_aggregates_only(user_factory):
    user = user_factory(organisation="kkr-nordjylland", role=User.Role.STEERING_GROUP)
    groups = staff_menu(user, "/")
    assert [g.key for g in groups] == ["overblik"]
    assert _hrefs(groups) == {reverse("dashboard"), reverse("targets"), "/rapporter/", reverse("contributions"),
                              reverse("cohort_list")}


def test_anonymous_visitors_get_no_staff_menu_and_no_menu_button(client):
    html = client.get(reverse("login")).content.decode()
    assert "js-menu-open" not in html and "mobile-drawer" not in html
    assert 'class="footer"' in html


def test_the_page_has_the_dkfds_header_with_menu_button_drawer_and_user(user_factory, staff_client):
    user = user_factory(organisation="aau", first_name="Aase", last_name="Underviser")
    html = staff_client(user).get(reverse("company_list")).content.decode()
    assert 'class="button button-secondary button-menu-open js-menu-open' in html
    assert 'id="mobile-drawer"' in html and "js-menu-close" in html
    assert html.count("Aase Underviser") == 2  # the portal header and the phone drawer
    # The desktop menu and the drawer each hold the same groups, with distinct ids.
    assert len(re.findall(r'data-menu-group="virksomheder"', html)) == 2
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert '<li class="active current" data-menu-group="virksomheder">' in html
