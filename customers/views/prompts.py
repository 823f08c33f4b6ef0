"""Organisation → Lydfiler (ORG-5): the prompts list with a player per recording, the
organisation's own prompts (create, edit, delete), "Importér filen" per language, the
recordings' sound (streamed to signed-in admins only, never a public media URL), and "Optag
filen": the SIP platform calls an OrgAdmin, the page follows the call, and the platform reports
to `platform_prompt_call`."""

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from connect.lib import platform
from connect.lib.forms import add_operation_errors
from connect.lib.platform import authenticate_platform_request
from connect.lib.uploads import SizeLimitUploadHandler, limited_upload, reads_its_own_upload
from connect.lib.views import (
    PortalCreateView,
    PortalDeleteView,
    PortalListView,
    PortalMixin,
    PortalUpdateView,
)
from customers import operations, permissions
from customers.forms.prompts import PromptForm, PromptImportForm, PromptRecordForm
from customers.models import Prompt, PromptCall, PromptRecording
from customers.views.numbers import history_url


def recording_rows(organisation, prompts):
    """Per prompt, one cell per organisation language: (code, language name, recording or None)."""
    languages = organisation.language_choices()
    for prompt in prompts:
        by_language = {r.language: r for r in prompt.recordings.all()}
        prompt.cells = [(code, name, by_language.get(code)) for code, name in languages]
    return languages


class PromptListView(PortalListView):
    """System prompts (read-only) and the organisation's own (click the row to edit)."""

    model = Prompt
    permission = permissions.ADMINISTER_ORGANISATION
    template_name = "customers/prompt_list.html"
    paginate_by = None

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .prefetch_related("recordings")
            .order_by("organisation", "kind", "name")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        prompts = list(context["object_list"])
        context.update(
            {
                "title": _("Voice prompts"),
                "own_prompts": [p for p in prompts if not p.is_system],
                "system_prompts": [p for p in prompts if p.is_system],
                "languages": recording_rows(self.organisation, prompts),
                "create_url": reverse("customers:prompt_create"),
            }
        )
        return context


class OwnPromptMixin:
    """Only the organisation's own prompts can be edited: a system prompt's id is a 404 here."""

    model = Prompt
    permission = permissions.ADMINISTER_ORGANISATION

    def get_queryset(self):
        return super().get_queryset().filter(organisation=self.organisation)


class PromptCreateView(OwnPromptMixin, PortalCreateView):
    form_class = PromptForm
    template_name = "customers/prompt_form.html"
    success_message = gettext_lazy(
        "The voice prompt “%(object)s” was created. Now add its sound in each language."
    )

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "title": _("New voice message"),
            "cancel_url": reverse("customers:prompt_list"),
        }

    def perform_save(self, form):
        return operations.prompt_create(
            organisation=self.organisation, by=self.request.user, **form.operation_fields()
        )

    def get_success_url(self):
        return reverse("customers:prompt_update", args=[self.object.pk])


class PromptUpdateView(OwnPromptMixin, PortalUpdateView):
    form_class = PromptForm
    template_name = "customers/prompt_form.html"
    success_message = gettext_lazy("The voice prompt “%(object)s” was saved.")
    success_url = reverse_lazy("customers:prompt_list")

    def get_queryset(self):
        return super().get_queryset().prefetch_related("recordings")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "title": _("Voice prompt “%(name)s”") % {"name": self.object},
                "cancel_url": reverse("customers:prompt_list"),
                "history_url": history_url(self.object),
                "delete_url": reverse("customers:prompt_delete", args=[self.object.pk]),
                "languages": recording_rows(self.organisation, [self.object]),
                "may_record": permissions.may(
                    self.request.user, permissions.RECORD_PROMPT, organisation=self.organisation
                ),
                "record_available": recording_by_phone_available(),
            }
        )
        return context

    def perform_save(self, form):
        return operations.prompt_update(
            prompt=self.object, by=self.request.user, **form.operation_fields()
        )


class PromptDeleteView(OwnPromptMixin, PortalDeleteView):
    success_url = reverse_lazy("customers:prompt_list")

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "cancel_url": reverse("customers:prompt_update", args=[self.object.pk]),
        }

    def perform_delete(self, obj):
        operations.prompt_delete(prompt=obj, by=self.request.user)


class PromptLanguageFormView(PortalMixin, View):
    """A form about one language of an own prompt ("Importér filen", "Optag filen"): the
    language comes preselected from ?language=; `start(prompt, form)` calls the operation and
    returns where to go next."""

    form_class = None
    title = ""

    def get_prompt(self, pk):
        return self.get_object_for_organisation(
            Prompt.objects.filter(organisation=self.organisation), pk=pk
        )

    def make_form(self, *args, **kwargs):
        return self.form_class(*args, organisation=self.organisation, **kwargs)

    def extra_context(self):
        return {}

    def render_form(self, prompt, form, status=200):
        context = {
            "prompt": prompt,
            "form": form,
            "title": self.title,
            "cancel_url": reverse("customers:prompt_update", args=[prompt.pk]),
            **self.extra_context(),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk):
        form = self.make_form(initial={"language": request.GET.get("language")})
        return self.render_form(self.get_prompt(pk), form)

    def refused(self, form):
        """The status to answer before validating (e.g. 400), or None."""
        return None

    def post(self, request, pk):
        prompt = self.get_prompt(pk)
        form = self.make_form(request.POST, request.FILES)
        status = self.refused(form)
        if status is not None or not form.is_valid():
            return self.render_form(prompt, form, status=status or 200)
        try:
            url = self.start(prompt, form)
        except ValidationError as exc:
            add_operation_errors(form, exc)
            return self.render_form(prompt, form)
        return HttpResponseRedirect(url)


@reads_its_own_upload
@method_decorator(limited_upload(lambda: settings.PROMPT_UPLOAD_MAX_BYTES), name="dispatch")
class PromptImportView(PromptLanguageFormView):
    """ "Importér filen": check the file (decoded, field errors), then convert it in a Job."""

    permission = permissions.ADMINISTER_ORGANISATION
    template_name = "customers/prompt_import.html"
    form_class = PromptImportForm
    title = gettext_lazy("Import the file")

    def make_form(self, *args, **kwargs):
        return super().make_form(
            *args, too_large=getattr(self.request, "upload_too_large", False), **kwargs
        )

    def refused(self, form):
        return 400 if form.too_large else None

    def start(self, prompt, form):
        data = form.cleaned_data
        job = operations.prompt_recording_import(
            prompt=prompt, language=data["language"], upload=data["file"], by=self.request.user
        )
        messages.success(self.request, _("The file was checked and is being converted."))
        return reverse("customers:job_detail", args=[job.pk])


class RecordingAudioView(PortalMixin, View):
    """The converted sound of one recording, for the page's player. Only through the portal:
    the organisation's own recordings and the system prompts'."""

    permission = permissions.ADMINISTER_ORGANISATION

    def get(self, request, pk):
        recording = self.get_object_for_organisation(PromptRecording, pk=pk)
        if not recording.file:
            raise Http404
        try:
            handle = recording.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        response = FileResponse(
            handle,
            content_type="audio/wav",
            filename=f"{recording.prompt.name}-{recording.language}.wav",
        )
        response["Cache-Control"] = "private, max-age=0, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- "Optag filen": recording by phone (OrgAdmins) ----------------------------------------------


def recording_by_phone_available():
    return platform.get_backend().records_prompts


class PromptRecordView(PromptLanguageFormView):
    """The admin's phone number and "Initialiser opkald"; then the call's page."""

    permission = permissions.RECORD_PROMPT
    template_name = "customers/prompt_record.html"
    form_class = PromptRecordForm
    title = gettext_lazy("Record the file")

    def extra_context(self):
        return {"available": recording_by_phone_available()}

    def refused(self, form):
        return None if recording_by_phone_available() else 400

    def start(self, prompt, form):
        data = form.cleaned_data
        call = operations.prompt_call_start(
            prompt=prompt, language=data["language"], number=data["number"], by=self.request.user
        )
        return reverse("customers:prompt_call", args=[call.pk])


class PromptCallView(PortalMixin, View):
    """The call's progress (dialling, answered, recording, done/failed); the partial
    `_prompt_call_status.html` polls `prompt_call_status` with htmx until the call ends."""

    permission = permissions.RECORD_PROMPT
    partial = False

    def get(self, request, pk):
        call = self.get_object_for_organisation(PromptCall.objects.select_related("prompt"), pk=pk)
        call = operations.prompt_call_simulate(call=call)
        recording = PromptRecording.objects.filter(
            prompt=call.prompt, language=call.language
        ).first()
        context = {"call": call, "recording": recording, "title": _("Record the file")}
        if self.partial:
            return render(request, "customers/_prompt_call_status.html", context)
        context["back_url"] = reverse("customers:prompt_update", args=[call.prompt_id])
        return render(request, "customers/prompt_call.html", context)


@reads_its_own_upload
@csrf_exempt
def platform_prompt_call(request, reference):
    """The SIP platform reports a recording call (token auth, see connect.lib.platform):
    JSON {"status": "dialling" | "answered" | "recording" | "failed", "detail": "..."}, or, when
    the recording is done, multipart/form-data with status=done and the sound in `file`."""
    error = authenticate_platform_request(request)
    if error is not None:
        return error
    upload = None
    if request.content_type == "multipart/form-data":
        request.upload_handlers.insert(
            0, SizeLimitUploadHandler(request, settings.PROMPT_UPLOAD_MAX_BYTES)
        )
        data = request.POST
        if request.upload_too_large:
            return JsonResponse({"error": "recording too large"}, status=413)
        upload = request.FILES.get("file")
    else:
        try:
            data = json.loads(request.body.decode("utf-8"))
        except RequestDataTooBig:
            return JsonResponse({"error": "body too large"}, status=413)
        except (UnicodeDecodeError, ValueError):
            return JsonResponse({"error": "body is not JSON"}, status=400)
        if not isinstance(data, dict):
            return JsonResponse({"error": 'expected {"status": ...}'}, status=400)
    call = PromptCall.objects.filter(reference=str(reference)[:64]).first()
    if call is None:
        return JsonResponse({"error": "unknown call"}, status=404)
    try:
        call = operations.prompt_call_report(
            call=call,
            status=str(data.get("status", ""))[:16],
            detail=str(data.get("detail", "") or "")[:255],
            upload=upload,
        )
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse({"reference": call.reference, "status": call.status})


prompt_list = PromptListView.as_view()
prompt_create = PromptCreateView.as_view()
prompt_update = PromptUpdateView.as_view()
prompt_delete = PromptDeleteView.as_view()
prompt_import = PromptImportView.as_view()
recording_audio = RecordingAudioView.as_view()
prompt_record = PromptRecordView.as_view()
prompt_call = PromptCallView.as_view()
prompt_call_status = PromptCallView.as_view(partial=True)
