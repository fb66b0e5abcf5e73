"""Needs (afdækning) in the browser (mounted at "behov/")."""

from django.urls import path

from . import views_needs

urlpatterns = [
    path("", views_needs.need_list, name="need_list"),
    path("ny/", views_needs.need_create, name="need_create"),
    path("<int:pk>/", views_needs.need_detail, name="need_detail"),
    path("<int:pk>/rediger/", views_needs.need_edit, name="need_edit"),
    path("<int:pk>/status/", views_needs.need_status, name="need_status"),
    path("<int:pk>/ansvarlig/", views_needs.need_assign, name="need_assign"),
    path("<int:pk>/luk/", views_needs.need_close, name="need_close"),
]
