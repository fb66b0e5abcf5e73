"""The case coverage figure (cases.selectors.partner_coverage, on the dashboard and in the status report) reads
the covered partners, not every case: the DISTINCT selects the partner alone (with the case's default ordering
it also took the ordering columns, and 20,000 cases came back for 16 partners)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from viaviden.cases.selectors import partner_coverage
from viaviden.cases.tests.factories import make_case

pytestmark = pytest.mark.django_db


def test_coverage_counts_partners_with_one_query_row_per_partner():
    for i in range(3):
        make_case(organisation="ucn", publish=True, title=f"Sag nummer {i} om energi i produktionen")
    make_case(organisation="aau", title="Kladde om et projekt med studerende")  # not published: not counted
    with CaptureQueriesContext(connection) as ctx:
        figure = partner_coverage(as_of=timezone.localdate())
    assert figure["covered"] == 1 and figure["partners"] >= 2
    distinct = [q["sql"] for q in ctx.captured_queries if "DISTINCT" in q["sql"]]
    assert len(distinct) == 1
    selected = re.search(r"SELECT DISTINCT (.*?) FROM", distinct[0]).group(1)
    assert "," not in selected, selected
