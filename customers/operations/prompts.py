"""Voice prompts (ORG-5): the organisation's own prompts, their recordings per language, and
recording one by phone.

- Names are unique per organisation whatever their case, and may not be a system prompt's name
  (both appear in the same dropdowns). System prompts (organisation NULL) are never changed here.
- A recording is one language of the organisation (ORG-8). An imported file is checked by the
  form (connect.lib.audio decodes it), then converted by a Job (`prompt_convert` task): the
  upload is stored with the job, the worker converts it to 8 kHz mono WAV and saves it on the
  recording, which points at its latest job so a late duplicate or an older upload never
  overwrites a newer one.
- "Optag filen": connect.lib.platform asks the SIP platform to call the admin; the platform
  reports progress and finally the recording (prompt_call_report), which is converted by the
  same job as an imported file.
- A prompt in use (a service setting, an activity's message...) is not deleted
  (connect.lib.references).
"""

import logging
import os
import tempfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from connect.lib import audio, platform
from connect.lib.audit import audit_record, diff, snapshot
from connect.lib.jobs import job_start
from connect.lib.references import refuse_delete_if_referenced
from customers.models import AuditEntry, Job, Prompt, PromptCall, PromptRecording
from customers.operations.naming import clean_text

logger = logging.getLogger(__name__)


def _check_name(prompt):
    clash = Prompt.objects.for_organisation(prompt.organisation).filter(name__iexact=prompt.name)
    if prompt.pk:
        clash = clash.exclude(pk=prompt.pk)
    taken = clash.first()
    if taken is not None:
        message = (
            _("“%(name)s” is the name of a system prompt. Choose another name.")
            if taken.is_system
            else _("The name “%(name)s” is already used.")
        )
        raise ValidationError({"name": message % {"name": prompt.name}}, code="unique")


def _own(prompt):
    if prompt.is_system:
        raise ValidationError(_("System prompts cannot be changed."), code="system")


def _prompt_save(prompt, *, name, description, before, by):
    prompt.name = clean_text(Prompt, "name", name, required=True)
    prompt.description = clean_text(Prompt, "description", description, required=False)
    _check_name(prompt)
    prompt.save()
    action = AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE
    audit_record(actor=by, action=action, obj=prompt, changes=diff(before, snapshot(prompt)))
    return prompt


def prompt_create(*, organisation, by, name, description=""):
    """Add an organisation prompt ("Ny stemmebesked"); its sound comes per language afterwards."""
    with transaction.atomic():
        prompt = Prompt(organisation=organisation, kind=Prompt.Kind.PROMPT)
        return _prompt_save(prompt, name=name, description=description, before={}, by=by)


def prompt_update(*, prompt, by, name, description=""):
    _own(prompt)
    with transaction.atomic():
        prompt = Prompt.objects.select_for_update().get(pk=prompt.pk)
        return _prompt_save(
            prompt, name=name, description=description, before=snapshot(prompt), by=by
        )


def _delete_files_on_commit(names, storage):
    def delete():
        for name in names:
            try:
                storage.delete(name)
            except OSError:  # pragma: no cover - storage trouble must not undo the delete
                logger.warning("could not delete prompt file %s", name)

    transaction.on_commit(delete)


def prompt_delete(*, prompt, by):
    """Delete an organisation prompt nothing refers to, with its recordings and their files."""
    _own(prompt)
    with transaction.atomic():
        prompt = Prompt.objects.select_for_update().get(pk=prompt.pk)
        refuse_delete_if_referenced(prompt)
        files = [r.file.name for r in prompt.recordings.all() if r.file]
        storage = PromptRecording._meta.get_field("file").storage
        before = snapshot(prompt)
        pk = prompt.pk
        prompt.delete()
        prompt.pk = pk
        audit_record(
            actor=by, action=AuditEntry.Action.DELETE, obj=prompt, changes=diff(before, {})
        )
        _delete_files_on_commit(files, storage)


def prompt_recordings_delete(*, organisation, languages, by):
    """Delete the organisation's recordings in `languages` (a language was removed, ORG-8)."""
    with transaction.atomic():
        recordings = list(
            PromptRecording.objects.filter(
                prompt__organisation=organisation, language__in=languages
            )
            .select_related("prompt")
            .select_for_update(of=("self",))
        )
        storage = PromptRecording._meta.get_field("file").storage
        for recording in recordings:
            key = gettext("Sound file (%(language)s)") % {
                "language": recording.get_language_display()
            }
            audit_record(
                actor=by,
                action=AuditEntry.Action.UPDATE,
                obj=recording.prompt,
                changes={
                    key: [_recording_summary(recording) or recording.get_status_display(), None]
                },
            )
        PromptRecording.objects.filter(pk__in=[r.pk for r in recordings]).delete()
        _delete_files_on_commit([r.file.name for r in recordings if r.file], storage)


def _recording_for(prompt, language):
    _own(prompt)
    if language not in prompt.organisation.languages:
        raise ValidationError(
            {"language": _("Select one of the organisation's languages.")}, code="invalid_choice"
        )
    recording, _created = PromptRecording.objects.select_for_update().get_or_create(
        prompt=prompt, language=language
    )
    return recording


def _start_conversion(recording, *, upload, by, source):
    job = job_start(
        organisation=recording.prompt.organisation,
        kind=Job.Kind.PROMPT_CONVERT,
        task="customers.prompt_convert",
        by=by,
        upload=upload,
        file_name=getattr(upload, "name", ""),
        stage=Job.Stage.RUN,
        params={
            "recording": recording.pk,
            "source": source,
            "back": reverse("customers:prompt_update", args=[recording.prompt_id]),
        },
    )
    recording.job = job
    recording.status = PromptRecording.Status.CONVERTING
    recording.message = ""
    recording.save(update_fields=["job", "status", "message", "updated_at"])
    return job


def prompt_recording_import(*, prompt, language, upload, by):
    """Start converting an uploaded (and already checked) sound file for one language. Returns the Job."""
    with transaction.atomic():
        recording = _recording_for(prompt, language)
        return _start_conversion(
            recording, upload=upload, by=by, source=PromptRecording.Source.UPLOAD
        )


def _recording_summary(recording):
    if not recording.file:
        return None
    return f"{recording.original_name} ({recording.duration_display}, {recording.get_source_display()})"


def prompt_recording_store(*, recording, source_path, source, original_name, job=None, by=None):
    """Convert the sound at `source_path` and make it the recording's file (replacing the old
    one). When `job` is given, only if the recording still waits for that job. Raises
    ValidationError when the sound cannot be used (the recording is then marked failed)."""
    with tempfile.TemporaryDirectory(prefix="connect-prompt-") as tmp:
        converted = os.path.join(tmp, "converted.wav")
        try:
            info = audio.audio_convert(source_path, converted)
        except ValidationError as exc:
            PromptRecording.objects.filter(pk=recording.pk, job=job).update(
                status=PromptRecording.Status.FAILED, message=" ".join(exc.messages)[:500]
            )
            raise
        with transaction.atomic():
            locked = (
                PromptRecording.objects.select_for_update()
                .select_related("prompt")
                .get(pk=recording.pk)
            )
            if job is not None and locked.job_id != job.pk:
                return None  # a newer upload replaced this one
            before = _recording_summary(locked)
            old = locked.file.name if locked.file else ""
            with open(converted, "rb") as f:
                locked.file.save("recording.wav", File(f), save=False)
            locked.duration_ms = info.duration_ms
            locked.status = PromptRecording.Status.READY
            locked.source = source
            locked.original_name = (original_name or "")[:255]
            locked.message = ""
            locked.save()
            if old:
                _delete_files_on_commit([old], locked.file.storage)
            # On the prompt, so its history (Historik) shows when each language's sound changed.
            key = gettext("Sound file (%(language)s)") % {"language": locked.get_language_display()}
            audit_record(
                actor=by,
                action=AuditEntry.Action.UPDATE,
                obj=locked.prompt,
                changes={key: [before, _recording_summary(locked)]},
            )
    return locked


class PromptConvertHandler:
    """RUN stage of a `prompt_convert` job (connect.lib.jobs.run_job)."""

    def run(self, job, progress):
        recording = PromptRecording.objects.filter(pk=(job.params or {}).get("recording")).first()
        if recording is None:
            raise ValidationError(
                gettext("The voice prompt was deleted before its file was converted."), code="gone"
            )
        if not job.upload:
            raise ValidationError(
                gettext("The uploaded file is no longer available. Upload it again."), code="gone"
            )
        progress(0, 1)
        with tempfile.TemporaryDirectory(prefix="connect-upload-") as tmp:
            source = os.path.join(tmp, "upload")
            with job.upload.open("rb") as upload, open(source, "wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            stored = prompt_recording_store(
                recording=recording,
                source_path=source,
                source=(job.params or {}).get("source") or PromptRecording.Source.UPLOAD,
                original_name=job.file_name,
                job=job,
                by=job.created_by,
            )
        progress(1, 1)
        if stored is None:
            return {"message": gettext("A newer file replaced this one; nothing was changed.")}
        return {
            "message": gettext("“%(prompt)s” (%(language)s) is ready: %(duration)s, 8 kHz mono.")
            % {
                "prompt": stored.prompt,
                "language": stored.get_language_display(),
                "duration": stored.duration_display,
            },
            "counts": {"duration_ms": stored.duration_ms},
        }


def ensure_tone_recording(*, prompt, language, frequency, seconds=1.5):
    """Give `prompt` a generated tone in `language` unless it has a sound there already (the
    demo, DEMO-7: the players play). The tone is made in the platform's format directly."""
    recording, _created = PromptRecording.objects.get_or_create(prompt=prompt, language=language)
    if recording.file:
        return recording
    data = audio.tone_wav(seconds=seconds, frequency=frequency)
    recording.file.save("tone.wav", ContentFile(data), save=False)
    recording.duration_ms = round(seconds * 1000)
    recording.status = PromptRecording.Status.READY
    recording.source = PromptRecording.Source.SYSTEM
    recording.original_name = f"{prompt.name}-{language}.wav"
    recording.save()
    return recording


# --- "Optag filen": recording by phone ---------------------------------------------------------

CALL_ORDER = [s.value for s in PromptCall.Status if s != PromptCall.Status.FAILED]


def prompt_call_start(*, prompt, language, number, by):
    """Ask the SIP platform to call `number` so `by` (an OrgAdmin) records `language` of
    `prompt`. Returns the PromptCall; its status is FAILED when the platform refused."""
    with transaction.atomic():
        _recording_for(prompt, language)  # an own prompt and one of the organisation's languages
        call = PromptCall.objects.create(
            organisation=prompt.organisation,
            prompt=prompt,
            language=language,
            number=number,
            created_by=by,
        )
    # After the commit: the platform may report back before this request ends.
    result = platform.record_prompt(
        platform.RecordPrompt(
            reference=call.reference,
            number=number,
            language=language,
            prompt_name=prompt.name,
            organisation=prompt.organisation.name,
            callback_url=settings.PORTAL_BASE_URL.rstrip("/")
            + reverse("customers:platform_prompt_call", args=[call.reference]),
        )
    )
    if not result.ok:
        call.status = PromptCall.Status.FAILED
        call.detail = gettext(
            "The telephone platform could not place the call. Try again later or import a file instead."
        )
        call.save(update_fields=["status", "detail", "updated_at"])
    return call


def prompt_call_report(*, call, status, detail="", upload=None):
    """The platform reports a call's progress; "done" comes with the recording, which is
    checked and converted like an imported file. A finished call changes no more, progress
    never goes backwards, and a repeated report changes nothing (safe to send twice)."""
    valid = set(PromptCall.Status.values) - {PromptCall.Status.REQUESTED}
    if status not in valid:
        raise ValidationError({"status": _("Unknown status.")}, code="invalid")
    audio_file = None
    if status == PromptCall.Status.DONE:
        if upload is None:
            raise ValidationError(
                {"file": _("A finished call must send the recording.")}, code="required"
            )
        with tempfile.TemporaryDirectory(prefix="connect-call-") as tmp:
            path = os.path.join(tmp, "recording")
            with open(path, "wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                audio.audio_check(path)
            except ValidationError as exc:
                status, detail, upload = PromptCall.Status.FAILED, " ".join(exc.messages), None
            audio_file = upload
    with transaction.atomic():
        call = (
            PromptCall.objects.select_for_update(of=("self",))
            .select_related("prompt__organisation")
            .get(pk=call.pk)
        )
        if call.is_finished:
            return call
        if status in CALL_ORDER and CALL_ORDER.index(status) <= CALL_ORDER.index(call.status):
            return call
        call.status = status
        call.detail = (detail or "")[:255]
        call.save(update_fields=["status", "detail", "updated_at"])
        if audio_file is not None:
            audio_file.seek(0)
            recording = _recording_for(call.prompt, call.language)
            _start_conversion(
                recording,
                upload=audio_file,
                by=call.created_by,
                source=PromptRecording.Source.PHONE,
            )
    return call


def prompt_call_simulate(*, call, now=None):
    """Console backend: move a call on to where the simulated platform would have it by now,
    ending with a generated tone as the recording."""
    status = platform.get_backend().simulated_call_status(
        ((now or timezone.now()) - call.created_at).total_seconds()
    )
    if (
        status is None
        or call.is_finished
        or CALL_ORDER.index(status) <= CALL_ORDER.index(call.status)
    ):
        return call
    upload = None
    if status == PromptCall.Status.DONE:
        upload = ContentFile(audio.tone_wav(seconds=2.0, frequency=523), name="recording.wav")
    return prompt_call_report(call=call, status=status, upload=upload)
