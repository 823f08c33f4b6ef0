from django.core.management.base import BaseCommand

from provisioning import fetchlog


class Command(BaseCommand):
    help = "Write the buffered provisioning fetch records (\"sidst set\") to the database now."

    def handle(self, *args, **options):
        total = 0
        while fetchlog.pending():
            written = fetchlog.flush(budget=None)
            if not written and fetchlog.pending():
                self.stderr.write("Another process is flushing; try again in a moment.")
                break
            total += written
        self.stdout.write(f"{total} fetch records written.")
