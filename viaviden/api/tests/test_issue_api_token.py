"""`manage.py issue_api_token`: prints the raw token once and stores only its hash."""

import io

import pytest
from django.core.management import CommandError, call_command

from viaviden.organisations.models import ApiToken

from .conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_issue_token_prints_a_working_token_once(hjoerring):
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_api_token", "hj", "--name", "Fagsystem", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(user=hjoerring)
    assert (token.name, token.prefix, token.key_hash) == ("Fagsystem", raw[:8], ApiToken.hash(raw))
    assert raw not in err.getvalue()
    assert ApiClient(raw).get("/api/organisations").status_code == 200


def test_issue_token_for_unknown_user_fails(db):
    with pytest.raises(CommandError, match="Brugeren ingen findes ikke."):
        call_command("issue_api_token", "ingen", "--name", "x")
    assert ApiToken.objects.count() == 0
