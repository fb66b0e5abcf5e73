"""Nordjysk Vækstpilot, mounted at "vaekstpilot/": staff pages, and the company's public pages under
"ansoeg/" (apply, confirm) and "status/<token>/" (the private status link)."""

from django.urls import path

from . import views, views_public

urlpatterns = [
    path("", views.application_list, name="vaekstpilot_list"),
    path("ny/", views.application_create, name="vaekstpilot_create"),
    path("<int:pk>/", views.application_detail, name="vaekstpilot_detail"),
    path("<int:pk>/traek-tilbage/", views.application_withdraw_view, name="vaekstpilot_withdraw"),
    path("<int:pk>/afvis/", views.application_reject_view, name="vaekstpilot_reject"),
    path("<int:pk>/start/", views.application_start_view, name="vaekstpilot_start"),
    path("<int:pk>/stop/", views.application_terminate_view, name="vaekstpilot_terminate"),
    path("<int:pk>/undtagelse/", views.exception_request_view, name="vaekstpilot_exception"),
    path("<int:pk>/undtagelse/afgoerelse/", views.exception_decide_view, name="vaekstpilot_exception_decide"),
    path("<int:pk>/loen/", views.month_report_view, name="vaekstpilot_month_report"),
    path("<int:pk>/opfoelgning/", views.follow_up_view, name="vaekstpilot_follow_up"),
    path("udbetaling/", views.payments, name="vaekstpilot_payments"),
    path("udbetaling/maaned/<int:pk>/godkend/", views.month_approve_view, name="vaekstpilot_month_approve"),
    path("udbetaling/<int:pk>/", views.payment_list_detail, name="vaekstpilot_payment_list"),
    path("udbetaling/<int:pk>/csv/", views.payment_list_csv, name="vaekstpilot_payment_csv"),
    path("budget/", views.budget_view, name="vaekstpilot_budget"),
    path("tal/", views.figures_fragment, name="vaekstpilot_figures_fragment"),
    path("ordning/", views.scheme, name="vaekstpilot_scheme"),
    path("ordning/regel/<int:pk>/", views.rule_edit, name="vaekstpilot_rule_edit"),
    # Public (no login)
    path("ansoeg/", views_public.public_form, name="vaekstpilot_public_form"),
    path("ansoeg/sendt/", views_public.public_sent, name="vaekstpilot_public_sent"),
    path("ansoeg/bekraeft/<str:token>/", views_public.public_confirm, name="vaekstpilot_public_confirm"),
    path("status/<str:token>/", views_public.public_status, name="vaekstpilot_public_status"),
]
