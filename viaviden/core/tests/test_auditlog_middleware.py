"""core.middleware.AuditlogMiddleware: the request's user on the log entries of a web request, with one
receiver for the whole process (issue 16)."""

import pytest
from auditlog.models import LogEntry
from django.db.models.signals import pre_save
from django.urls import reverse

from viaviden.companies.models import Company

pytestmark = pytest.mark.django_db


def test_web_request_logs_its_user_as_actor_and_connects_no_receiver_per_request(staff_client, user_factory):
    coordinator = user_factory(role="coordinator", organisation="koordinationsgruppen")
    client = staff_client(coordinator)
    client.get(reverse("home"))  # loads the middleware: its one receiver is connected here
    receivers_before = len(pre_save.receivers)
    client.get(reverse("home"))
    client.get(reverse("home"))
    assert len(pre_save.receivers) == receivers_before

    from viaviden.core.middleware import _AUDITLOG_DUID, AuditlogMiddleware

    captured = {}

    def view(request):
        company = Company.objects.create(cvr="12345674", name="Revisorerne ApS", municipality_id="851")
        entry = LogEntry.objects.log_create(company, action=LogEntry.Action.CREATE, changes={"name": ["", "x"]})
        captured["entry"] = entry
        from django.http import HttpResponse

        return HttpResponse("ok")

    from django.test import RequestFactory

    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    request.user = coordinator
    AuditlogMiddleware(view)(request)
    entry = LogEntry.objects.get(pk=captured["entry"].pk)
    assert entry.actor == coordinator
    assert entry.remote_addr == "10.1.2.3"
    assert _AUDITLOG_DUID  # the receiver's id


def test_outside_a_request_no_actor_is_set():
    company = Company.objects.create(cvr="12345682", name="Andet ApS", municipality_id="851")
    entry = LogEntry.objects.log_create(company, action=LogEntry.Action.CREATE, changes={"name": ["", "y"]})
    assert entry.actor is None
