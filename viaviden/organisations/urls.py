from django.urls import path

from . import views, views_operations

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("konto/sikkerhed/", views.account_security, name="account_security"),
    path("revision/", views_operations.audit_log, name="audit_log"),
    path("drift/", views_operations.operations_status, name="operations_status"),
]
