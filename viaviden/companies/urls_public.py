"""Public pages for companies (no login) and the coordinators' services overview; mounted at ""."""

from django.urls import path

from . import views_public

urlpatterns = [
    path("virksomhed/behov/", views_public.need_public_form, name="need_public_form"),
    path("virksomhed/behov/sendt/", views_public.need_public_sent, name="need_public_sent"),
    path("virksomhed/behov/bekraeft/<str:token>/", views_public.need_public_confirm, name="need_public_confirm"),
    path("virksomhed/status/<str:token>/", views_public.need_public_status, name="need_public_status"),
    path("hvem-kan-hjaelpe/", views_public.services_public_view, name="services_public"),
    path("ydelser/", views_public.service_list, name="service_list"),
    path("ydelser/ny/", views_public.service_create_view, name="service_create"),
    path("ydelser/<int:pk>/rediger/", views_public.service_edit_view, name="service_edit"),
]
