import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from viaviden.core.errors import NotFound
from viaviden.matches.selectors import programme_or_current, targets_summary


class Command(BaseCommand):
    help = "Print the current programme's targets (municipal split, partner targets)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="one JSON object")
        parser.add_argument("--programme", help="programme slug (default: the current one)")

    def handle(self, *args, **opts):
        try:
            programme = programme_or_current(opts["programme"])
        except NotFound as exc:
            raise CommandError(str(exc.message)) from exc
        data = targets_summary(programme)
        if opts["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        self.stdout.write(f"{data['name']} ({data['start_date']} – {data['end_date']}): {data['total']}")
        self.stdout.write(_("Fordelingsgrundlag: %(l)s (%(y)s)") % {"l": data["basis"]["label"], "y": data["basis"]["year"]})
        for m in data["municipalities"]:
            self.stdout.write(f"  {m['code']:>4} {m['name']:<16} {m['basis']:>8} {m['target']:>6}")
        self.stdout.write(f"  {_('Kommuner i alt'):<21} {data['municipal_sum']:>15}")
        for p in data["partners"]:
            self.stdout.write(f"  {p['name']:<30} {p['target']:>6}")
