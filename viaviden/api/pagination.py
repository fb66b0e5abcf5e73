"""Page-number pagination with bounded numbers: a page past what any database can offset is a 422,
never an integer overflow in the database (issue 13)."""

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination as NinjaPageNumberPagination

# Far past any real list (100 items a page), far below a 64-bit OFFSET.
MAX_PAGE = 1_000_000


class PageNumberPagination(NinjaPageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=1000)
