"""The competence guides (public) and their maintenance (coordinators); mounted at "kompetenceguide/"."""

from django.urls import path

from . import views_guides

urlpatterns = [
    path("", views_guides.guide_index, name="guide_index"),
    path("uddannelser/<slug:slug>/", views_guides.guide_programme, name="guide_programme"),
    path("uddannelser/<slug:slug>/rediger/", views_guides.guide_programme_edit, name="guide_programme_edit"),
    path("uddannelser/<slug:slug>/opgaveomraader/", views_guides.guide_programme_fits, name="guide_programme_fits"),
    path("opgaver/<slug:slug>/", views_guides.guide_task_area, name="guide_task_area"),
    path("opgaver/<slug:slug>/rediger/", views_guides.guide_task_area_edit, name="guide_task_area_edit"),
    path("ordliste/", views_guides.guide_vocabulary, name="guide_vocabulary"),
    path("ordliste/ny/", views_guides.guide_vocabulary_edit, name="guide_vocabulary_new"),
    path("ordliste/<int:pk>/rediger/", views_guides.guide_vocabulary_edit, name="guide_vocabulary_edit"),
    path("ordliste/<int:pk>/slet/", views_guides.guide_vocabulary_delete, name="guide_vocabulary_delete"),
]
