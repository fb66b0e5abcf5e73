"""Referrals and the answer promise, mounted at "henvisninger/"."""

from django.urls import path

from . import views_referrals as views

urlpatterns = [
    path("", views.referral_list, name="referral_list"),
    path("ny/<int:need_pk>/", views.referral_create, name="referral_create"),
    path("forfaldne/", views.overdue_list, name="overdue_list"),
    path("svartider/", views.answer_times, name="answer_times_report"),
    path("svarfrist/", views.answer_rule_edit, name="answer_rule_edit"),
    path("<int:pk>/", views.referral_detail, name="referral_detail"),
    path("<int:pk>/accepter/", views.referral_accept, name="referral_accept"),
    path("<int:pk>/spoerg/", views.referral_ask, name="referral_ask"),
    path("<int:pk>/afvis/", views.referral_decline, name="referral_decline"),
    path("<int:pk>/svar/", views.referral_answer, name="referral_answer"),
    path("<int:pk>/traek-tilbage/", views.referral_withdraw, name="referral_withdraw"),
]
