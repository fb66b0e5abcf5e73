"""Every id a page refers to (aria-describedby, aria-labelledby, aria-controls, label for) exists on the page."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

REF_ATTRS = ("aria-describedby", "aria-labelledby", "aria-controls", "for")


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.refs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            elif name in REF_ATTRS and value:
                self.refs.extend((tag, name, ref) for ref in value.split())


def dangling_idrefs(html: str) -> list[tuple[str, str, str]]:
    """The (tag, attribute, id) references on the page whose id does not exist."""
    parser = _Ids()
    parser.feed(html)
    return [ref for ref in parser.refs if ref[2] not in parser.ids]


def test_the_checker_finds_a_dangling_reference():
    assert dangling_idrefs('<input aria-describedby="x y"><p id="x"></p>') == [("input", "aria-describedby", "y")]


@pytest.mark.django_db
def test_the_login_form_refers_only_to_ids_that_exist(client):
    """Issue 14: the one-time-code field's aria-describedby pointed to an id that did not exist."""
    html = client.get(reverse("login")).content.decode()
    assert 'aria-describedby="id_otp_token_helptext"' in html
    assert dangling_idrefs(html) == []
    failed = client.post(reverse("login"), {"username": "nobody", "password": "x", "otp_token": "1"})
    assert dangling_idrefs(failed.content.decode()) == []
