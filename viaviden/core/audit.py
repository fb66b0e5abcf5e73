"""Audit helpers on top of django-auditlog: the acting user for work outside a web request."""

from contextlib import contextmanager

from auditlog.context import set_actor


@contextmanager
def acting_as(user):
    """Attribute audit rows written inside the block to `user` (commands, API tokens, imports)."""
    if user is None:
        yield
        return
    with set_actor(user):
        yield
