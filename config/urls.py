from django.contrib import admin
from django.urls import include, path

from viaviden.api.api import api

# The API first: Django tries the patterns in order, and the includes without a prefix ("") are walked pattern
# by pattern for every path; an API request (the most frequent under load) was resolved after all of them.
urlpatterns = [
    path("api/", api.urls),
    path("", include("viaviden.core.urls")),
    path("", include("viaviden.organisations.urls")),
    path("match/", include("viaviden.matches.urls_registry")),
    path("virksomheder/", include("viaviden.companies.urls_companies")),
    path("kontakter/", include("viaviden.companies.urls_contacts")),
    path("behov/", include("viaviden.companies.urls_needs")),
    path("henvisninger/", include("viaviden.companies.urls_referrals")),
    path("", include("viaviden.companies.urls_public")),
    path("", include("viaviden.reports.urls_progress")),
    path("kompetenceguide/", include("viaviden.candidates.urls_guides")),
    path("kandidat/", include("viaviden.candidates.urls")),
    path("forslag/", include("viaviden.candidates.urls_matching")),
    path("arrangementer/", include("viaviden.events.urls")),
    path("vaekstpilot/", include("viaviden.vaekstpilot.urls")),
    path("forloeb/", include("viaviden.cohorts.urls")),
    path("cases/", include("viaviden.cases.urls")),
    path("rapporter/", include("viaviden.reports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]
