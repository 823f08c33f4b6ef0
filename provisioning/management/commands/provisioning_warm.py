from django.core.management.base import BaseCommand, CommandError

from customers.models import Organisation
from provisioning import cache as prov_cache
from provisioning.warm import warm


class Command(BaseCommand):
    help = "Render every phone's provisioning file ahead of its fetch (after a deployment that changed the renderers)."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", help="only this organisation (name)")

    def handle(self, *args, organisation=None, **options):
        if not prov_cache.files_enabled():
            raise CommandError("Rendered files are not kept (PROVISIONING_CACHE_FILES is off).")
        org = None
        if organisation:
            org = Organisation.objects.filter(name=organisation).first()
            if org is None:
                raise CommandError(f"No organisation named {organisation!r}.")
        self.stdout.write(f"{warm(org)} phone files rendered and stored.")
