"""The match registry in the browser (mounted at "match/")."""

from django.urls import path

from viaviden.companies import views as company_views

from .views import imports, registry

urlpatterns = [
    path("", registry.match_list, name="match_list"),
    path("eksport.csv", registry.match_list_export, name="match_list_export"),
    path("ny/", registry.match_create, name="match_create"),
    path("import/", imports.match_import, name="match_import"),
    path("virksomhed/opslag/", company_views.company_lookup, name="company_lookup"),
    path("<int:pk>/", registry.match_detail, name="match_detail"),
    path("<int:pk>/rediger/", registry.match_edit, name="match_edit"),
    path("<int:pk>/verificer/", registry.match_verify, name="match_verify"),
    path("<int:pk>/afvis/", registry.match_reject, name="match_reject"),
]
