"""The history of a need: one NeedEvent per step, shown to staff and (when public) to the company."""

from __future__ import annotations

from .models import Need, NeedEvent


def need_log_event(*, need: Need, kind: str, user=None, organisation=None, text: str = "",
                   public: bool = True) -> NeedEvent:
    """Record a step in the need's history. `text` is what the company reads on its status page when
    `public`; keep person names out of public texts."""
    if organisation is None and user is not None:
        organisation = getattr(user, "organisation", None)
    return NeedEvent.objects.create(need=need, kind=kind, user=user, organisation=organisation,
                                    text=str(text)[:500], public=public)
