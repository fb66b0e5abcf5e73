"""The programme a page shows: shared by the match registry's pages and the pages above it (reports, cohorts)."""

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from ..models import Programme


def selected_programme(request: HttpRequest) -> tuple[Programme, list[Programme]]:
    """The programme chosen with ?programme=<slug> (default: the current one) and all programmes."""
    programmes = list(Programme.objects.select_related("basis_dataset").order_by("-start_date"))
    if not programmes:
        raise Http404(_("Der er ingen programperiode. Indlæs referencedata."))
    slug = request.GET.get("programme") or request.POST.get("programme")
    chosen = next((p for p in programmes if p.slug == slug), None) if slug else None
    if slug and chosen is None:
        raise Http404(_("Ukendt programperiode."))
    return chosen or next((p for p in programmes if p.is_current), programmes[0]), programmes
