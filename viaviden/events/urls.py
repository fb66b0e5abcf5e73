"""Mounted at "arrangementer/": the public calendar and event pages, the staff pages under "intern/", and
the bourse pages under "boers/" (urls_bourse.py)."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("boers/", include("viaviden.events.urls_bourse")),
    # Public (no login).
    path("", views.event_calendar, name="event_calendar"),
    path("kalender.ics", views.event_calendar_ics, name="event_calendar_ics"),
    path("<int:pk>/", views.event_public_detail, name="event_public_detail"),
    path("<int:pk>/kalender.ics", views.event_ics, name="event_ics"),
    path("tilmelding/<str:token>/", views.event_registration_status, name="event_registration_status"),
    path("tilmelding/<str:token>/afmeld/", views.event_registration_cancel, name="event_registration_cancel"),
    path("evaluering/<str:token>/", views.survey_answer, name="survey_answer"),
    # Partner staff.
    path("intern/", views.event_list, name="event_list"),
    path("intern/ny/", views.event_create, name="event_create"),
    path("intern/<int:pk>/", views.event_detail, name="event_detail"),
    path("intern/<int:pk>/rediger/", views.event_edit, name="event_edit"),
    path("intern/<int:pk>/offentliggoer/", views.event_publish, name="event_publish"),
    path("intern/<int:pk>/aflys/", views.event_cancel, name="event_cancel"),
    path("intern/<int:pk>/afholdt/", views.event_mark_held, name="event_mark_held"),
    path("intern/<int:pk>/indtjekning/", views.event_checkin, name="event_checkin"),
    path("intern/<int:pk>/indtjekning/<int:reg_pk>/", views.event_checkin_toggle, name="event_checkin_toggle"),
    path("intern/<int:pk>/tilmeld/", views.event_staff_signup, name="event_staff_signup"),
    path("intern/<int:pk>/tilmeldinger/<int:reg_pk>/afmeld/", views.event_registration_cancel_staff,
         name="event_registration_cancel_staff"),
]
