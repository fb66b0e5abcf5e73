"""Cohorts and their measured effect, mounted at "forloeb/"."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.cohort_list, name="cohort_list"),
    path("ny/", views.cohort_create, name="cohort_create"),
    path("import/", views.cohort_import, name="cohort_import"),
    path("<int:pk>/", views.cohort_detail, name="cohort_detail"),
    path("<int:pk>/rediger/", views.cohort_edit, name="cohort_edit"),
    path("<int:pk>/slet/", views.cohort_delete, name="cohort_delete"),
    path("<int:pk>/deltagere/", views.participants_add, name="cohort_participants_add"),
    path("<int:pk>/deltager/<int:participant_pk>/", views.participant_outcome, name="cohort_participant_outcome"),
]
