"""The staff menu: at most seven top-level entries, each with the pages of one task, filtered by role.

One definition feeds the desktop menu and the phone's drawer (base.html), so both always show the same pages."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# Who sees an entry: "all" staff, "individual" (not the steering group, which sees aggregates only) or
# "everything" (coordinators and administrators).
ALL, INDIVIDUAL, EVERYTHING = "all", "individual", "everything"

# (key, group label, group audience, [(url name or absolute path, label, audience), …])
MENU = [
    ("overblik", _("Overblik"), ALL, [
        ("dashboard", _("Fremdrift"), ALL),
        ("match_list", _("Match"), INDIVIDUAL),
        ("match_create", _("Registrér match"), INDIVIDUAL),
        ("targets", _("Måltal"), ALL),
        ("contributions", _("Bidrag pr. organisation"), ALL),
        ("/rapporter/", _("Rapporter"), ALL),
        ("cohort_list", _("Forløb og effekt"), ALL),
        ("next_steps", _("Opfølgning"), INDIVIDUAL),
        ("overdue_list", _("Forfaldne henvisninger"), EVERYTHING),
    ]),
    ("virksomheder", _("Virksomheder"), INDIVIDUAL, [
        ("company_list", _("Virksomheder"), INDIVIDUAL),
        ("need_list", _("Behov"), INDIVIDUAL),
        ("referral_list", _("Henvisninger"), INDIVIDUAL),
        ("handover_list", _("Overdragelser"), INDIVIDUAL),
    ]),
    ("kandidater", _("Kandidater"), INDIVIDUAL, [("candidate_list", _("Kandidater"), INDIVIDUAL)]),
    ("arrangementer", _("Arrangementer"), INDIVIDUAL, [("event_list", _("Arrangementer"), INDIVIDUAL)]),
    ("vaekstpilot", _("Vækstpilot"), INDIVIDUAL, [("vaekstpilot_list", _("Vækstpilot"), INDIVIDUAL)]),
    ("cases", _("Cases"), INDIVIDUAL, [("case_staff_list", _("Cases"), INDIVIDUAL)]),
    ("administration", _("Administration"), EVERYTHING, [
        ("service_list", _("Ydelser"), EVERYTHING),
        ("audit_log", _("Revisionslog"), EVERYTHING),
        ("guide_vocabulary", _("Ordliste"), EVERYTHING),
        ("operations_status", _("Drift"), EVERYTHING),
    ]),
]


@dataclass
class MenuItem:
    href: str
    label: str
    current: bool = False


@dataclass
class MenuGroup:
    key: str
    label: str
    items: list[MenuItem] = field(default_factory=list)
    active: bool = False

    @property
    def single(self) -> MenuItem | None:
        """A group with one page is shown as a plain link."""
        return self.items[0] if len(self.items) == 1 else None


def _sees(user, audience: str) -> bool:
    if audience == EVERYTHING:
        return bool(user.sees_everything)
    if audience == INDIVIDUAL:
        return not user.aggregates_only
    return True


def _href(target: str) -> str | None:
    if target.startswith("/"):
        return target
    try:
        return reverse(target)
    except NoReverseMatch:
        return None


def staff_menu(user, path: str) -> list[MenuGroup]:
    """The groups and pages this user may open; the group holding the current page is active (also for
    pages below a listed page, e.g. a company's own page under the company list)."""
    if not getattr(user, "is_authenticated", False):
        return []
    groups: list[MenuGroup] = []
    best: tuple[int, MenuItem, MenuGroup] | None = None
    for key, label, audience, entries in MENU:
        if not _sees(user, audience):
            continue
        group = MenuGroup(key=key, label=str(label))
        for target, item_label, item_audience in entries:
            href = _href(target)
            if href is None or not _sees(user, item_audience):
                continue
            item = MenuItem(href=href, label=str(item_label))
            group.items.append(item)
            if path.startswith(href) and href != "/" and (best is None or len(href) > best[0]):
                best = (len(href), item, group)
        if group.items:
            groups.append(group)
    if best is not None:
        best[1].current = best[2].active = True
    return groups
