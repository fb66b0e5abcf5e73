from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("revision/", views.audit_log, name="audit_log"),
]
