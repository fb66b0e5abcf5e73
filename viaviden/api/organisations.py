"""GET /api/organisations: the partner organisations (reference information for every API user)."""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate

from viaviden.core.errors import NotFound
from viaviden.organisations.models import Organisation

from .pagination import PageNumberPagination
from .schemas import OrganisationFilter, OrganisationOut

router = Router(tags=["organisations"])


def _organisations() -> QuerySet[Organisation]:
    # parent__parent covers the deepest rollup (unit -> jobcentre -> municipality) without N+1.
    return Organisation.objects.select_related("parent", "parent__parent").order_by("name", "id")


@router.get("", response=list[OrganisationOut], summary="List organisations")
@paginate(PageNumberPagination)
def organisation_list(request: HttpRequest, filters: OrganisationFilter = Query(...)):  # noqa: B008
    return filters.filter(_organisations())


@router.get("/{ref}", response=OrganisationOut, summary="Get an organisation by id or slug")
def organisation_detail(request: HttpRequest, ref: str):
    lookup = {"pk": int(ref)} if ref.isdigit() else {"slug": ref}
    organisation = _organisations().filter(**lookup).first()
    if organisation is None:
        raise NotFound(_("Organisationen findes ikke."))
    return organisation
