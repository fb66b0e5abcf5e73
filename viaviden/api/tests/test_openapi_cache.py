"""The OpenAPI schema is built once per process and language and answers conditional GETs (issue 16)."""

from unittest import mock

from django.test import Client

from viaviden.api.api import api


def test_schema_built_once_per_language_and_served_with_etag():
    api._openapi_bodies.clear()
    client = Client()
    with mock.patch.object(api, "get_openapi_schema", wraps=api.get_openapi_schema) as build:
        first = client.get("/api/openapi.json")
        second = client.get("/api/openapi.json")
        english = client.get("/api/openapi.json", headers={"Accept-Language": "en"})
        again_english = client.get("/api/openapi.json", headers={"Accept-Language": "en"})
    assert first.status_code == second.status_code == english.status_code == 200
    assert build.call_count == 2  # Danish and English, each once
    assert first.content == second.content
    assert english.content == again_english.content
    assert first["ETag"] and first["ETag"] == second["ETag"]
    assert "max-age" in first["Cache-Control"]
    assert first.json()["openapi"].startswith("3.")
    assert "/api/matches" in first.json()["paths"]


def test_schema_conditional_get_answers_304_without_body():
    client = Client()
    etag = client.get("/api/openapi.json")["ETag"]
    response = client.get("/api/openapi.json", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert client.get("/api/openapi.json", headers={"If-None-Match": '"other"'}).status_code == 200


def test_schema_english_differs_from_danish_when_asked():
    client = Client()
    da = client.get("/api/openapi.json").json()
    en = client.get("/api/openapi.json", headers={"Accept-Language": "en"}).json()
    assert da["info"]["title"] == en["info"]["title"]
    assert da["paths"].keys() == en["paths"].keys()
