"""Mounted at "kandidat/": the candidate's own pages, and the staff's candidate pages under "oversigt/"."""

from django.urls import path

from . import views_self, views_staff

urlpatterns = [
    # The person's own pages (e-mail link login, no password).
    path("", views_self.candidate_start, name="candidate_start"),
    path("link-sendt/", views_self.candidate_link_sent, name="candidate_link_sent"),
    path("log-ind/<str:token>/", views_self.candidate_login, name="candidate_login"),
    path("opret/<str:token>/", views_self.candidate_register, name="candidate_register"),
    path("log-ud/", views_self.candidate_logout, name="candidate_logout"),
    path("profil/", views_self.candidate_profile, name="candidate_profile"),
    path("profil/e-mail/", views_self.candidate_email_change, name="candidate_email_change"),
    path("e-mail/<str:token>/", views_self.candidate_email_confirm, name="candidate_email_confirm"),
    path("samtykke/", views_self.candidate_consents, name="candidate_consents"),
    path("mine-data/", views_self.candidate_my_data, name="candidate_my_data"),
    path("mine-data/mine-data.json", views_self.candidate_export_json, name="candidate_export_json"),
    path("mine-data/mine-data.pdf", views_self.candidate_export_pdf, name="candidate_export_pdf"),
    path("mine-data/slet/", views_self.candidate_erase, name="candidate_erase"),
    path("slettet/", views_self.candidate_erased, name="candidate_erased"),
    # Partner staff.
    path("oversigt/", views_staff.candidate_list, name="candidate_list"),
    path("oversigt/ny/", views_staff.candidate_create, name="candidate_create"),
    path("oversigt/<int:pk>/", views_staff.candidate_detail, name="candidate_detail"),
    path("oversigt/<int:pk>/slet/", views_staff.candidate_staff_erase, name="candidate_staff_erase"),
]
