from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.reports_page, name="page"),
    path("hent/", views.report_download, name="download"),
    path("udsted/", views.report_issue_view, name="issue"),
    path("<int:pk>/", views.issued_detail, name="issued"),
    path("<int:pk>/<slug:fmt>/", views.issued_download, name="issued_download"),
]
