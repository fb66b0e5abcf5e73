"""python manage.py vaekstpilot_budget [--pilots N ...] [--programme SLUG]

Prints the seed's budget table (5.1.4.1) for the given numbers of pilots (default: the rule's scenarios,
150 and 225), computed from the scheme rule, and the actual spend of the programme."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from viaviden.matches.models import Programme
from viaviden.vaekstpilot import budget
from viaviden.vaekstpilot.calculation import format_dkk
from viaviden.vaekstpilot.services import current_rule


def _kr(ore: int) -> str:
    return "Kr. " + format_dkk(ore, decimals=False, suffix=False)


class Command(BaseCommand):
    help = "Print the Vækstpilot budget scenarios (total, DEB, companies' own payment, remaining) and actual spend."

    def add_arguments(self, parser):
        parser.add_argument("--pilots", type=int, action="append", metavar="N",
                            help="number of pilots in a scenario (repeat for several; default: the rule's)")
        parser.add_argument("--programme", help="programme slug for the actual spend (default: the current one)")

    def handle(self, *args, **opts):
        rule = current_rule()
        if rule is None:
            raise CommandError(_("Nordjysk Vækstpilot er ikke sat op. Kør først: python manage.py load_reference_data"))
        qs = Programme.objects.order_by("-start_date")
        programme = (qs.filter(slug=opts["programme"]).first() if opts["programme"]
                     else qs.filter(is_current=True).first() or qs.first())
        if opts["programme"] and programme is None:
            raise CommandError(_("Ukendt programperiode: %(slug)s") % {"slug": opts["programme"]})
        counts = opts["pilots"] or budget.default_pilot_counts(rule, programme)
        if any(n <= 0 for n in counts):
            raise CommandError(_("Antal vækstpiloter skal være et positivt heltal."))
        scenarios = [budget.scenario(rule, n) for n in counts]

        label_width, col_width = 44, 24
        out = self.stdout.write
        out(_("Nordjysk Vækstpilot – udgifts- og finansieringsbudget"))
        out(_("Regel: %(name)s (gælder %(from)s–%(to)s; kilde: %(source)s)") % {
            "name": rule.name, "from": rule.valid_from.strftime("%d-%m-%Y"),
            "to": rule.valid_to.strftime("%d-%m-%Y") if rule.valid_to else "…", "source": rule.source})
        out("")
        head = "".join(f"{_('Ved %(n)d vækstpiloter') % {'n': s.pilots}:>{col_width}}" for s in scenarios)
        out(f"{'':<{label_width}}{head}")

        def row(label: str, attr: str) -> None:
            out(f"{label:<{label_width}}" + "".join(f"{_kr(getattr(s, attr)):>{col_width}}" for s in scenarios))

        row(_("Samlede udgifter"), "total_ore")
        out(_("Heraf finansieringsbehov:"))
        row("  " + _("DEB (ved støtteprocent på max. %(pct)d %%)") % {"pct": rule.deb_share_max_percent}, "deb_ore")
        row("  " + _("Virksomhedernes egenbetaling"), "own_payment_ore")
        row("  " + _("Resterende finansieringsbehov"), "remaining_ore")
        out("")
        out(_("Beregning: samlede udgifter = antal × (%(budget)s + %(overhead)s); DEB = %(pct)d %% af de samlede "
              "udgifter; egenbetaling = antal × (%(budget)s − højeste tilskud %(subsidy)s); resterende = samlede "
              "udgifter − DEB − egenbetaling.") % {
            "budget": format_dkk(rule.budget_per_pilot_ore, decimals=False),
            "overhead": format_dkk(rule.overhead_per_pilot_ore, decimals=False),
            "pct": rule.deb_share_max_percent,
            "subsidy": format_dkk(budget.subsidy_per_pilot_ore(rule), decimals=False)})
        if programme is not None:
            a = budget.actuals(programme)
            out("")
            out(_("Faktisk (%(name)s): %(granted)d bevilget, %(started)d i gang eller afsluttet, %(waiting)d på "
                  "venteliste; tilskud bevilget %(reserved)s, godkendt %(approved)s, sendt til udbetaling %(paid)s; "
                  "virksomhedernes egenbetaling %(own)s") % {
                "name": programme.name, "granted": a["granted"], "started": a["started"], "waiting": a["waiting"],
                "reserved": format_dkk(a["reserved_ore"]), "approved": format_dkk(a["subsidy_approved_ore"]),
                "paid": format_dkk(a["subsidy_paid_ore"]), "own": format_dkk(a["own_payment_ore"])})
