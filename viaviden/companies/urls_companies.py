"""The company register: /virksomheder/…"""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.company_list, name="company_list"),
    path("ny/", views.company_create, name="company_create"),
    path("import/", views.company_import, name="company_import"),
    path("import/afviste/", views.company_import_rejects, name="company_import_rejects"),
    path("<int:pk>/", views.company_detail, name="company_detail"),
    path("<int:pk>/rediger/", views.company_edit, name="company_edit"),
    path("<int:pk>/sammenlaeg/", views.company_merge, name="company_merge"),
    path("<int:pk>/enheder/ny/", views.company_unit_add, name="company_unit_add"),
    path("<int:pk>/enheder/<int:unit_pk>/", views.company_unit_edit, name="company_unit_edit"),
]
