"""Set phones' registration status (the "Status" column) from the command line.

    python manage.py set_registration 000413A1B2C3 registered 00085D1610DE unregistered
    python manage.py set_registration --json statuses.json    # {"phones": [{"mac":..., "status":...}]}
    some-platform-export | python manage.py set_registration --json -

Statuses: registered, unregistered, unknown (also green/red/grey). The same as the platform API
(devices/api.py). Prints what changed; exits 1 if an entry was invalid or a MAC unknown.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from devices import operations
from devices.api import parse_statuses


class Command(BaseCommand):
    help = "Set the registration status of SIP phones: MAC STATUS pairs, or --json FILE (- = stdin)."

    def add_arguments(self, parser):
        parser.add_argument("pairs", nargs="*", help="MAC STATUS [MAC STATUS ...]")
        parser.add_argument("--json", dest="json_file", help='a JSON file {"phones": [{"mac": ..., "status": ...}]}, - for stdin')

    def handle(self, *args, pairs, json_file, **options):
        if json_file:
            try:
                if json_file == "-":
                    body = json.load(sys.stdin)
                else:
                    with open(json_file, encoding="utf-8") as fh:
                        body = json.load(fh)
                statuses = parse_statuses(body)
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read {json_file}: {exc}") from exc
        else:
            if not pairs or len(pairs) % 2:
                raise CommandError("Give MAC STATUS pairs, e.g. 000413A1B2C3 registered")
            statuses = list(zip(pairs[::2], pairs[1::2], strict=True))
        result = operations.registration_update(statuses=statuses)
        self.stdout.write(f"updated: {result['updated']}, unchanged: {result['unchanged']}")
        for mac in result["unknown"]:
            self.stderr.write(f"unknown MAC: {mac}")
        for entry in result["invalid"]:
            self.stderr.write(f"invalid entry: {entry}")
        if result["unknown"] or result["invalid"]:
            sys.exit(1)
