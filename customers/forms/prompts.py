"""Forms of the voice prompts page (ORG-5): "Ny stemmebesked", "Importér filen", "Optag filen".

The import form checks the sound by decoding it (connect.lib.audio), so a text file named .wav,
a truncated WAV or an MP3 of tags only gets a field error and nothing is written. The size
limit is enforced earlier, while the body streams in (connect.lib.uploads).
"""

import os
import tempfile

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from connect.lib import audio
from connect.lib import numbers as numberlib
from customers.models import Prompt


class PromptForm(forms.ModelForm):
    class Meta:
        model = Prompt
        fields = ["name", "description"]
        labels = {
            "name": _("Name of the message"),
            "description": _("Describe the content of the message"),
        }
        help_texts = {
            "name": _("The name used in dropdowns, e.g. of an IVR. Unique in the organisation."),
            "description": _(
                "What the message says and what it is for, so others can tell the prompts apart."
            ),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3, "maxlength": 500})}

    def __init__(self, *args, organisation=None, user=None, **kwargs):
        self.organisation = organisation
        super().__init__(*args, **kwargs)

    def _post_clean(self):
        # customers.operations.prompts validates and saves (unique names need the organisation).
        pass

    def operation_fields(self):
        return {
            "name": self.cleaned_data["name"],
            "description": self.cleaned_data.get("description", ""),
        }


def language_field(organisation):
    return forms.ChoiceField(label=_("Language"), choices=organisation.language_choices())


def _limit_text():
    return filesizeformat(settings.PROMPT_UPLOAD_MAX_BYTES)


class PromptImportForm(forms.Form):
    """ "Importér filen": a WAV (PCM, µ-law, A-law) or MP3 file for one language."""

    def __init__(self, *args, organisation, too_large=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        self.fields["language"] = language_field(organisation)
        self.fields["file"] = forms.FileField(
            label=_("Sound file"),
            required=not too_large,
            help_text=_(
                "WAV (PCM, µ-law or A-law) or MP3, at most %(size)s. It is converted to 8 kHz mono for the telephones."
            )
            % {"size": _limit_text()},
            widget=forms.ClearableFileInput(
                attrs={"accept": ".wav,.mp3,audio/wav,audio/x-wav,audio/mpeg"}
            ),
        )
        self.info = None

    def clean_file(self):
        if self.too_large:
            raise ValidationError(
                _("The file is larger than %(size)s. Shorten it or save it with a lower quality.")
                % {"size": _limit_text()},
                code="too_large",
            )
        upload = self.cleaned_data["file"]
        if (
            upload.size > settings.PROMPT_UPLOAD_MAX_BYTES
        ):  # the upload handler normally stops it first
            raise ValidationError(
                _("The file is larger than %(size)s.") % {"size": _limit_text()}, code="too_large"
            )
        if upload.size == 0:
            raise ValidationError(_("The file is empty."), code="empty")
        path = getattr(upload, "temporary_file_path", None)
        if path is not None:
            self.info = audio.audio_check(path())
        else:
            with tempfile.TemporaryDirectory(prefix="connect-check-") as tmp:
                copy = os.path.join(tmp, "upload")
                with open(copy, "wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                self.info = audio.audio_check(copy)
        upload.seek(0)
        return upload


class PromptRecordForm(forms.Form):
    """ "Optag filen": the number the platform calls (the admin's phone)."""

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"] = language_field(organisation)
        self.fields["number"] = forms.CharField(
            label=_("Your phone number"),
            max_length=32,
            help_text=_(
                "The platform calls this number; a voice guides you through the recording."
            ),
        )

    def clean_number(self):
        try:
            return numberlib.normalise(self.cleaned_data["number"]).number
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
