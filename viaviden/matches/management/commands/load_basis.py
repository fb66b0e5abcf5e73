from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from viaviden.core.errors import AppError
from viaviden.matches.basis import parse_erhv2
from viaviden.matches.models import Programme
from viaviden.matches.targets_services import basis_load
from viaviden.reference.models import BasisDataset


class Command(BaseCommand):
    help = (
        "Load a new basis for the municipal target split from a StatBank ERHV2 CSV export (or a two-column "
        "municipality;value file), make it the programme's basis and recompute the targets."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file (StatBank ERHV2 export or municipality;value)")
        parser.add_argument("--year", type=int, required=True, help="the year the figures are for")
        parser.add_argument(
            "--kind",
            choices=[BasisDataset.Kind.WORKPLACES, BasisDataset.Kind.JOBS],
            default=BasisDataset.Kind.WORKPLACES,
            help="workplaces (default) or jobs",
        )
        parser.add_argument("--programme", help="programme slug (default: the current one)")
        parser.add_argument("--label", default="", help="label shown with the targets")
        parser.add_argument("--source", default="", help="source text shown with the targets")

    def handle(self, *args, **opts):
        qs = Programme.objects.all()
        try:
            programme = qs.get(slug=opts["programme"]) if opts["programme"] else qs.get(is_current=True)
        except Programme.DoesNotExist:
            raise CommandError(_("Programperioden findes ikke."))
        try:
            values = parse_erhv2(Path(opts["file"]), kind=opts["kind"], year=opts["year"])
            dataset = basis_load(
                user=None,
                programme=programme,
                values=values,
                year=opts["year"],
                kind=opts["kind"],
                label=opts["label"],
                source=opts["source"],
            )
        except FileNotFoundError:
            raise CommandError(_("Filen %(f)s findes ikke.") % {"f": opts["file"]})
        except AppError as exc:
            raise CommandError(str(exc.message))
        self.stdout.write(
            _("Indlæst: %(ds)s. Måltallene for %(p)s er beregnet igen.") % {"ds": dataset, "p": programme}
        )
        for code, value in values.items():
            self.stdout.write(f"  {code:>4} {value:>10}")
