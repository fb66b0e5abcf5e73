"""The bourse solver's explanations in the language of the request.

`viaviden.assignment` is pure Python and speaks Danish only; it also returns a stable code and the figures of
each explanation (`Unassigned.reason` + `params`, `Violation.kind` + `params`, the verdict's counts). This module
says them with gettext, so a coordinator reading English sees English. Case ids are the numbers of the case list;
participants are named by the caller (the run's snapshot knows their names)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from viaviden.assignment.model import Unassigned
from viaviden.assignment.verify import Verdict, Violation


def unassigned_text(u: Unassigned) -> str:
    """Why a participant has no case."""
    p = u.params
    if u.reason == "no_preferences":
        return _("Deltageren har ikke prioriteret nogen cases.")
    if u.reason == "all_vetoed":
        return _("Alle deltagerens prioriterede cases har fravalgt deltageren.")
    if u.reason == "requirements_not_met":
        return _("Deltageren opfylder ikke kravene (niveau/uddannelse) på nogen af sine prioriterede cases.")
    if u.reason == "group_too_large":
        return _("Gruppen på %(size)d studerende er større end kapaciteten på alle sine prioriterede cases.") % {
            "size": p.get("size", u.size)}
    if u.reason == "no_acceptable_case":
        parts = []
        if p.get("vetoed"):
            parts.append(ngettext("%(n)d har fravalgt deltageren", "%(n)d har fravalgt deltageren",
                                  p["vetoed"]) % {"n": p["vetoed"]})
        if p.get("requirements"):
            parts.append(ngettext("%(n)d stiller krav, som ikke er opfyldt", "%(n)d stiller krav, som ikke er opfyldt",
                                  p["requirements"]) % {"n": p["requirements"]})
        if p.get("too_large"):
            parts.append(ngettext("%(n)d har for få pladser til gruppen", "%(n)d har for få pladser til gruppen",
                                  p["too_large"]) % {"n": p["too_large"]})
        return _("Ingen af deltagerens %(ranked)d prioriterede cases kan tage deltageren: %(why)s.") % {
            "ranked": p.get("ranked", 0), "why": ", ".join(parts)}
    if u.reason == "not_seated_despite_room":
        return _("Ikke placeret, selv om case %(case)s har %(free)d ledige pladser (se de blokerende par).") % {
            "case": p.get("case", "?"), "free": p.get("free", 0)}
    if u.reason == "no_room":
        size = p.get("size", u.size)
        listing = ", ".join(_("%(case)s: %(free)d ledige") % {"case": c, "free": n} for c, n in p.get("free", []))
        return ngettext(
            "Der var ikke %(size)d ledig plads på nogen af deltagerens acceptable cases (%(listing)s).",
            "Der var ikke %(size)d ledige pladser på nogen af deltagerens acceptable cases (%(listing)s).",
            size,
        ) % {"size": size, "listing": listing}
    return u.text  # a reason this module does not know yet: the solver's own (Danish) words


def run_notes(result: dict) -> list[str]:
    """The notes of a stored run (participants that cannot sit on a case because of its group size)."""
    items = result.get("note_items")
    if items is None:  # a run stored before the notes kept their figures
        return list(result.get("notes", []))
    return [
        _("%(participant)s (%(size)d personer) passer ikke med gruppestørrelsen på casen "
          "»%(case)s« og kan ikke placeres der.") % {"participant": n["participant"], "size": n["size"], "case": n["case"]}
        for n in items if n.get("kind") == "group_size"
    ]


def verdict_summary(verdict: Verdict) -> str:
    """The verifier's one-line verdict."""
    if verdict.violations:
        n = len(verdict.violations)
        return ngettext("UGYLDIG fordeling: %(n)d overtrædelse af kapacitet, fravalg eller krav.",
                        "UGYLDIG fordeling: %(n)d overtrædelser af kapacitet, fravalg eller krav.", n) % {"n": n}
    if not verdict.blocking_pairs:
        return _("Gyldig og stabil fordeling: ingen overtrædelser og ingen blokerende par.")
    n = len(verdict.blocking_pairs)
    return _("Gyldig fordeling, men ikke stabil: %(n)d blokerende par.") % {"n": n}


def violation_text(v: Violation, name: Callable[[str | None], str] = lambda pid: str(pid)) -> str:
    """A broken hard rule; `name` turns a participant id into what the reader knows it by."""
    who, case = name(v.participant_id), v.case_id
    p = v.params
    texts = {
        "unknown_participant": lambda: _("Ukendt deltager %(who)s i fordelingen.") % {"who": who},
        "unknown_case": lambda: _("%(who)s er placeret på ukendt case %(case)s.") % {"who": who, "case": case},
        "split": lambda: _("%(who)s er placeret på flere cases (%(cases)s); en deltager (og en gruppe) kan kun have "
                           "én case.") % {"who": who, "cases": ", ".join(p.get("cases", []))},
        "capacity": lambda: ngettext("Case %(case)s har %(used)d studerende placeret, men kun %(capacity)d plads.",
                                     "Case %(case)s har %(used)d studerende placeret, men kun %(capacity)d pladser.",
                                     p.get("capacity", 0)) % {"case": case, "used": p.get("used", 0),
                                                              "capacity": p.get("capacity", 0)},
        "unranked": lambda: _("%(who)s er placeret på case %(case)s, som deltageren ikke har prioriteret.") % {
            "who": who, "case": case},
        "vetoed": lambda: _("Case %(case)s har fravalgt %(who)s, som er placeret der.") % {"who": who, "case": case},
        "requirements": lambda: _("%(who)s opfylder ikke kravene (niveau/uddannelse) på case %(case)s.") % {
            "who": who, "case": case},
        "lock_broken": lambda: (
            _("%(who)s er låst til case %(case)s, men er placeret på %(placed)s.") % {
                "who": who, "case": case, "placed": p["placed"]}
            if p.get("placed") else _("%(who)s er låst til case %(case)s, men er ikke placeret.") % {
                "who": who, "case": case}),
    }
    text = texts.get(v.kind)
    return text() if text else v.message
