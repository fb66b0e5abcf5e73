"""The case platform, mounted at "cases/": public pages (list, case page, embed, RSS, sitemap, the guides'
case sections) and the editors' pages under "redaktion/"."""

from django.urls import path

from . import views_public, views_staff

urlpatterns = [
    path("", views_public.case_list, name="case_list"),
    path("rss/", views_public.case_feed, name="case_feed"),
    path("sitemap.xml", views_public.case_sitemap, name="case_sitemap"),
    path("indlejr/", views_public.case_embed, name="case_embed"),
    path("indlejr/tema.css", views_public.case_embed_theme, name="case_embed_theme"),
    path("kompetenceguide/<str:facet>/<slug:value>/", views_public.case_guide_section, name="case_guide_section"),
    path("redaktion/", views_staff.staff_case_list, name="case_staff_list"),
    path("redaktion/ny/", views_staff.staff_case_create, name="case_staff_create"),
    path("redaktion/daekning/", views_staff.staff_coverage, name="case_staff_coverage"),
    path("redaktion/daekning.csv", views_staff.staff_coverage_csv, name="case_staff_coverage_csv"),
    path("redaktion/indlejring/", views_staff.staff_embed, name="case_staff_embed"),
    path("redaktion/indlejring/<int:pk>/fjern/", views_staff.staff_embed_site_remove, name="case_staff_embed_remove"),
    path("redaktion/<int:pk>/", views_staff.staff_case_detail, name="case_staff_detail"),
    path("redaktion/<int:pk>/rediger/", views_staff.staff_case_edit, name="case_staff_edit"),
    path("redaktion/<int:pk>/personer/", views_staff.staff_person_add, name="case_staff_person_add"),
    path("redaktion/<int:pk>/<slug:step>/", views_staff.staff_case_step, name="case_staff_step"),
    path("redaktion/personer/<int:pk>/samtykke/", views_staff.staff_person_consent, name="case_staff_person_consent"),
    path("redaktion/personer/<int:pk>/tilbagekald/", views_staff.staff_person_withdraw,
         name="case_staff_person_withdraw"),
    path("redaktion/personer/<int:pk>/fjern/", views_staff.staff_person_remove, name="case_staff_person_remove"),
    path("<slug:slug>/", views_public.case_detail, name="case_detail"),
]
