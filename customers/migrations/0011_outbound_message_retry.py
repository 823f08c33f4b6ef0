# The outbox retries: the times of the last and the next attempt, an "unknown" state for unanswered attempts and
# one idempotency key per message (a distinct UUID for every existing row, then unique).

import uuid

from django.db import migrations, models


def fill_keys(apps, schema_editor):
    OutboundMessage = apps.get_model("customers", "OutboundMessage")
    for pk in OutboundMessage.objects.filter(idempotency_key__isnull=True).values_list("pk", flat=True).iterator():
        OutboundMessage.objects.filter(pk=pk).update(idempotency_key=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0010_job_messages_as_codes"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboundmessage",
            name="last_attempt_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last attempt"),
        ),
        migrations.AddField(
            model_name="outboundmessage",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="next attempt"),
        ),
        migrations.AlterField(
            model_name="outboundmessage",
            name="status",
            field=models.CharField(
                choices=[
                    ("ready", "Waiting to be sent"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                    ("unknown", "Not confirmed"),
                ],
                default="ready",
                max_length=8,
                verbose_name="status",
            ),
        ),
        migrations.AddField(
            model_name="outboundmessage",
            name="idempotency_key",
            field=models.UUIDField(editable=False, null=True, verbose_name="idempotency key"),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="outboundmessage",
            name="idempotency_key",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="idempotency key"),
        ),
    ]
