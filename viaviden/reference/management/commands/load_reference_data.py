from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from viaviden.reference.loader import load_reference_data

# What the counters of the loader mean, in words a coordinator reads (model name -> plural noun).
NOUNS = {
    "municipality": gettext_lazy("kommuner"),
    "postalcode": gettext_lazy("postnumre"),
    "industry": gettext_lazy("brancher"),
    "sizeclass": gettext_lazy("størrelsesklasser"),
    "educationlevel": gettext_lazy("uddannelsesniveauer"),
    "matchtype": gettext_lazy("matchtyper"),
    "basisdataset": gettext_lazy("fordelingsgrundlag"),
    "basisvalue": gettext_lazy("grundlagstal"),
    "organisation": gettext_lazy("organisationer"),
    "service": gettext_lazy("tilbud"),
    "programme": gettext_lazy("programperioder"),
    "activitytarget": gettext_lazy("aktivitetsmål"),
    "studyprogramme": gettext_lazy("uddannelser"),
    "taskarea": gettext_lazy("opgaveområder"),
    "programmetaskarea": gettext_lazy("koblinger mellem uddannelser og opgaveområder"),
    "traveltime": gettext_lazy("rejsetider"),
    "schemerule": gettext_lazy("regelsæt for Vækstpilot"),
}


def summary(stats) -> list[str]:
    """A short Danish summary of the loader's counters: what was created, what was updated."""
    created, updated = [], []
    for key, count in sorted(stats.items()):
        model, _sep, what = key.partition(".")
        noun = NOUNS.get(model, model)
        if what == "created":
            created.append(f"{count} {noun}")
        elif what == "updated":
            updated.append(f"{count} {noun}")
    lines = []
    if created:
        lines.append(_("Referencedata indlæst: %(what)s.") % {"what": ", ".join(created)})
    if updated:
        lines.append(_("Opdateret: %(what)s.") % {"what": ", ".join(updated)})
    if stats.get("programme.targets_computed"):
        lines.append(_("Måltal for kommuner og partnere er beregnet for %(n)s programperiode(r).")
                     % {"n": stats["programme.targets_computed"]})
    return lines


class Command(BaseCommand):
    help = "Load the versioned reference data in data/reference/ (idempotent)."

    def handle(self, *args, **options):
        stats = load_reference_data()
        if not stats:
            self.stdout.write(_("Referencedata er allerede indlæst; intet ændret."))
            return
        for line in summary(stats):
            self.stdout.write(line)
