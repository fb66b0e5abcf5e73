"""Bourse pages, mounted at "arrangementer/boers/" (views_bourse.py): staff pages and, under the same prefix,
the public pages for companies (case form, private case link) and participants (registration, private link,
case list, ranking)."""

from django.urls import path

from . import views_bourse as v

urlpatterns = [
    # Staff
    path("", v.bourse_list, name="bourse_list"),
    path("<int:pk>/", v.bourse_detail, name="bourse_detail"),
    path("<int:pk>/cases/ny/", v.bourse_case_create, name="bourse_case_create"),
    path("cases/<int:pk>/", v.bourse_case_detail, name="bourse_case_detail"),
    path("cases/<int:pk>/status/", v.bourse_case_status, name="bourse_case_status"),
    path("<int:pk>/deltagere/", v.bourse_participant_list, name="bourse_participant_list"),
    path("<int:pk>/prioriteter/upload/", v.bourse_preferences_upload, name="bourse_preferences_upload"),
    path("<int:pk>/fordeling/", v.bourse_assignment, name="bourse_assignment"),
    path("<int:pk>/laase/", v.bourse_lock_create, name="bourse_lock_create"),
    path("laase/<int:pk>/slet/", v.bourse_lock_delete, name="bourse_lock_delete"),
    path("fordelinger/<int:pk>/", v.bourse_run_detail, name="bourse_run_detail"),
    path("fordelinger/<int:pk>/godkend/", v.bourse_run_confirm, name="bourse_run_confirm"),
    # Public: companies
    path("<int:pk>/indsend-case/", v.bourse_case_public_form, name="bourse_case_public_form"),
    path("<int:pk>/indsend-case/sendt/", v.bourse_case_public_sent, name="bourse_case_public_sent"),
    path("virksomhed/<str:token>/", v.bourse_company_page, name="bourse_company_page"),
    # Public: participants
    path("<int:pk>/tilmeld/", v.bourse_participant_register, name="bourse_participant_register"),
    path("deltager/<str:token>/", v.bourse_participant_login, name="bourse_participant_login"),
    path("<int:pk>/log-ud/", v.bourse_participant_logout, name="bourse_participant_logout"),
    path("<int:pk>/cases/", v.bourse_case_list_public, name="bourse_case_list_public"),
    path("<int:pk>/prioriter/", v.bourse_preferences_edit, name="bourse_preferences_edit"),
]
