"""`manage.py seed_demo`: the demo organisations of FEATURES.md section 9 (idempotent).

Each app owns its part in `<app>/demo.py` with a `seed(...)` function that may run any number
of times without creating duplicates: `customers.demo.seed()` makes the organisations
(dialplantest4 and demo-other), groups, number ranges, users and the support user; the other apps
add their data to dialplantest4. Refuses to run with DEBUG off unless --force: it creates users
with a well-known password, so it is never run automatically in production.
"""

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

DEMO_ORGANISATION = "dialplantest4"
OTHER_ORGANISATION = "demo-other"
DEMO_PASSWORD = "connect-demo"
DEMO_LOGINS = [
    ("klj@ipvision.dk", "OrgAdmin of dialplantest4"),
    ("admin@other.example", "OrgAdmin of demo-other"),
    ("support@connect.example", "support staff (Django admin, may act inside an organisation)"),
]
# The apps that add data to the demo organisation, in dependency order.
APP_SEEDS = ["services.demo", "functionnumbers.demo", "devices.demo", "provisioning.demo"]


def _notes(result):
    """Lines an app's seed() wants shown (a string or a list of strings), else nothing."""
    if isinstance(result, str):
        return [result]
    if isinstance(result, list | tuple) and all(isinstance(line, str) for line in result):
        return list(result)
    if isinstance(result, dict) and isinstance(result.get("notes"), list | tuple):
        return [str(line) for line in result["notes"]]
    return []


class Command(BaseCommand):
    help = "Create (or complete) the demo organisations dialplantest4 and demo-other. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (creates users with the well-known demo password).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates users with a well-known password and refuses to run with "
                "DEBUG off. Use --force if you really mean it."
            )
        from customers import demo as customers_demo
        from customers.models import Organisation

        notes = []
        with transaction.atomic():
            notes += _notes(customers_demo.seed())
            organisation = Organisation.objects.get(name=DEMO_ORGANISATION)
            for module_name in APP_SEEDS:
                module = importlib.import_module(module_name)
                notes += _notes(module.seed(organisation))
        self._summary(notes)

    def _summary(self, notes):
        base = settings.PORTAL_BASE_URL.rstrip("/")
        out = self.stdout
        out.write(self.style.SUCCESS("Demo data ready."))
        out.write(f"\n  Portal:       {base}/")
        out.write(f"  Django admin: {base}/admin/")
        out.write(f"\n  Logins (password {DEMO_PASSWORD}):")
        for username, role in DEMO_LOGINS:
            out.write(f"    {username:<26} {role}")
        if notes:
            out.write("")
            for line in notes:
                out.write(f"  {line}")
        out.write("")
