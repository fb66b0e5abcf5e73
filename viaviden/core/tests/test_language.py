import pytest
from django.conf import settings
from django.urls import reverse


@pytest.mark.django_db
def test_pages_are_danish_even_when_the_browser_prefers_english(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "da"
    assert "Log ind" in response.content.decode()


@pytest.mark.django_db
def test_language_switch_gives_english_pages(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    response = client.get(reverse("login"))
    assert response["Content-Language"] == "en"
    assert "Log in" in response.content.decode()
