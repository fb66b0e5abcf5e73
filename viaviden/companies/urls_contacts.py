"""The contact log and hand-overs (mounted at "kontakter/")."""

from django.urls import path
from django.views.generic import RedirectView

from . import views_contacts as views

urlpatterns = [
    # The contact log's front page is the follow-up overview (README names /kontakter/ as the contact log).
    path("", RedirectView.as_view(pattern_name="next_steps"), name="contact_index"),
    path("ny/", views.contact_create, name="contact_create"),
    path("<int:pk>/rediger/", views.contact_edit, name="contact_edit"),
    path("<int:pk>/udfoert/", views.contact_done, name="contact_done"),
    path("opfoelgning/", views.next_steps, name="next_steps"),
    path("overdragelser/", views.handover_list, name="handover_list"),
    path("overdragelse/ny/", views.handover_create, name="handover_create"),
    path("overdragelse/<int:pk>/accepter/", views.handover_accept, name="handover_accept"),
    path("overdragelse/<int:pk>/afvis/", views.handover_decline, name="handover_decline"),
]
