from django.urls import path

from . import observability, views

urlpatterns = [
    path("", views.home, name="home"),
    path("revision/", views.audit_log, name="audit_log"),
    path("drift/", views.operations_status, name="operations_status"),
    path("healthz", observability.healthz, name="healthz"),
    path("readyz", observability.readyz, name="readyz"),
]
