"""Output schema of /api/progress/contributions (kept apart from schemas.py to keep merges small)."""

from ninja import Field, Schema


class ContributionRowOut(Schema):
    slug: str
    name: str
    registered: int = Field(..., description="Matches the organisation registered.")
    contributed: int = Field(..., description="Matches registered by others that it contributed to.")
    contributed_as_helper: int
    contributed_as_duplicate: int = Field(..., description="Of `contributed`: it registered the same match again.")
    involved: int = Field(..., description="registered + contributed.")
    share: float | None = Field(..., description="involved / total, in per cent.")


class ContributionsOut(Schema):
    programme: str
    as_of: str
    total: int = Field(..., description="Non-rejected matches of the programme started on or before as_of.")
    rows: list[ContributionRowOut]
