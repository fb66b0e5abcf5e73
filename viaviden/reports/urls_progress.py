from django.urls import path, register_converter

from viaviden.matches.views import registrations

from . import views_contributions as contributions
from . import views_dashboard as progress
from . import views_targets as targets


class _ExportFormat:
    regex = "csv|xlsx"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(_ExportFormat, "exportfmt")

urlpatterns = [
    path("fremdrift/", progress.dashboard, name="dashboard"),
    path("fremdrift/eksport/<slug:table>.<exportfmt:fmt>", progress.dashboard_export, name="dashboard_export"),
    path("fremdrift/bidrag/", contributions.contributions_page, name="contributions"),
    path("maal/", targets.targets_page, name="targets"),
    path("maal/maaltal/<int:pk>/", targets.target_edit, name="target_edit"),
    path("maal/programperiode/", targets.programme_edit, name="programme_edit"),
    path("maal/grundlag/", targets.basis_upload, name="basis_upload"),
    path("maal/aktivitet/", targets.activity_registration_create, name="activity_register"),
    path("maal/aktivitetsmaal/<int:pk>/", targets.activity_target_edit, name="activity_target_edit"),
    path("maal/registreringer/", registrations.registration_list, name="activity_registrations"),
    path("maal/registreringer/import/", registrations.registration_import, name="activity_registration_import"),
    path("maal/registreringer/<int:pk>/", registrations.registration_edit, name="activity_registration_edit"),
    path("maal/registreringer/<int:pk>/slet/", registrations.registration_delete,
         name="activity_registration_delete"),
]
