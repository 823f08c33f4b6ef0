"""Job messages as msgid + params (rendered in the reader's language) and job warnings.

`Job.message` becomes a JSONField. Existing text is kept as a JSON string and shown as it is
(it was written in the language of whoever started the job); new jobs store message codes.
"""

from django.db import migrations, models


def _copy(apps, source, target, convert):
    Job = apps.get_model("customers", "Job")
    batch = []
    for job in Job.objects.only("pk", source).iterator(chunk_size=1000):
        setattr(job, target, convert(getattr(job, source)))
        batch.append(job)
        if len(batch) == 1000:
            Job.objects.bulk_update(batch, [target])
            batch = []
    Job.objects.bulk_update(batch, [target])


def text_to_json(apps, schema_editor):
    # The old text stays as it is (a JSON string): it is shown verbatim.
    _copy(apps, "message_text", "message", str)


def json_to_text(apps, schema_editor):
    from connect.lib.i18n import message_text

    _copy(apps, "message", "message_text", message_text)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0009_support_permission"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="warnings",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RenameField(model_name="job", old_name="message", new_name="message_text"),
        migrations.AddField(
            model_name="job",
            name="message",
            field=models.JSONField(blank=True, default=str, verbose_name="message"),
        ),
        migrations.RunPython(text_to_json, json_to_text, elidable=True),
        migrations.RemoveField(model_name="job", name="message_text"),
    ]
