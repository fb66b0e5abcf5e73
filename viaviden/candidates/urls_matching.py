"""Mounted at "forslag/": matching suggestions, the shortlist, and the candidate's own suggested needs."""

from django.urls import path

from . import views_matching

urlpatterns = [
    path("behov/<int:need_pk>/", views_matching.need_suggestions, name="need_suggestions"),
    path("behov/<int:need_pk>/kortliste/", views_matching.need_shortlist_page, name="need_shortlist"),
    path("behov/<int:need_pk>/kortliste/tilfoej/", views_matching.shortlist_add, name="shortlist_add"),
    path("kortliste/<int:pk>/status/", views_matching.shortlist_status, name="shortlist_status"),
    path("kortliste/<int:pk>/kontakt/", views_matching.shortlist_contact, name="shortlist_contact"),
    path("kortliste/<int:pk>/match/", views_matching.shortlist_match, name="shortlist_match"),
    path("kandidat/<int:pk>/", views_matching.candidate_needs, name="candidate_suggested_needs"),
    path("mine/", views_matching.my_suggestions, name="my_suggestions"),
]
