"""Django admin for support staff: phones (with keys and the fetch log) and SIP accounts.

Changes are audited by AuditedModelAdmin; the forms apply the same rules as the operations (MAC
form, supported model, users of the phone's organisation, free seating without a line-1 user),
and every save or delete tells provisioning (phone_config_changed). SIP passwords are never
shown: an action generates a new one.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from connect.lib.admin import AuditedModelAdmin, organisation_filter
from devices import catalog, operations
from devices.models import FunctionKey, Phone, PhoneFetch, SipAccount, normalise_mac
from devices.signals import notify_config_changed


class PhoneAdminForm(forms.ModelForm):
    mac = forms.CharField(label=_("MAC address"), max_length=40, help_text=_("12 hexadecimal digits, e.g. 000413A1B2C3."))

    class Meta:
        model = Phone
        fields = [
            "organisation", "mac", "model", "description", "expansion_module", "expansion_module_count",
            "free_seating", "user",
        ]

    def clean_mac(self):
        return normalise_mac(self.cleaned_data.get("mac"))

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation")
        model = catalog.get(cleaned.get("model"))
        if cleaned.get("model") and (model is None or not model.selectable):
            self.add_error("model", _("Choose a supported phone model."))
        user = cleaned.get("user")
        if user is not None and organisation is not None and user.organisation_id != organisation.pk:
            self.add_error("user", _("Choose a user of this organisation."))
        if user is not None and cleaned.get("free_seating"):
            self.add_error("user", _("A free-seating phone has no user on line 1."))
        if model is not None and model.selectable:
            try:
                cleaned["expansion_module"], cleaned["expansion_module_count"] = operations._clean_expansion(
                    model, cleaned.get("expansion_module"), cleaned.get("expansion_module_count")
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field, errors)
        return cleaned


class FunctionKeyInlineForm(forms.ModelForm):
    class Meta:
        model = FunctionKey
        fields = ["position", "type", "value", "label", "target_user"]

    def clean(self):
        cleaned = super().clean()
        try:
            phone = self.instance.phone  # set by the inline formset, also on the add page
        except Phone.DoesNotExist:
            phone = None
        target = cleaned.get("target_user")
        if phone is not None and target is not None and target.organisation_id != phone.organisation_id:
            self.add_error("target_user", _("Choose a user of this organisation."))
        position = cleaned.get("position")
        if phone is not None and position is not None and not 2 <= position <= len(phone.key_slots()):
            self.add_error("position", _("The phone has no key %(position)s.") % {"position": position})
        return cleaned


class FunctionKeyInline(admin.TabularInline):
    model = FunctionKey
    form = FunctionKeyInlineForm
    extra = 0
    raw_id_fields = ["target_user"]


class PhoneFetchInline(admin.TabularInline):
    model = PhoneFetch
    extra = 0
    can_delete = False
    fields = ["at", "ip", "firmware", "file_name", "user_agent"]
    readonly_fields = fields
    ordering = ["-at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Phone)
class PhoneAdmin(AuditedModelAdmin):
    view_on_site = False  # the portal page needs the organisation; support acts inside it first
    form = PhoneAdminForm
    list_display = ["mac", "organisation", "model", "user", "description", "state_display", "registration_status", "last_seen_at"]
    list_filter = [organisation_filter(), "model", "registration_status", "free_seating", "auto_added"]
    search_fields = ["mac", "description", "user__username"]
    raw_id_fields = ["user"]
    readonly_fields = [
        "seated_user", "seated_at", "firmware", "last_ip", "user_agent", "last_seen_at", "fetch_count",
        "registration_status", "registration_changed_at", "auto_added", "created_by", "created_at", "updated_at",
    ]
    inlines = [FunctionKeyInline, PhoneFetchInline]
    list_select_related = ["organisation", "user"]

    @admin.display(description=_("state"))
    def state_display(self, obj):
        return obj.get_state_display()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        if obj.free_seating:
            obj.user = None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        phone = form.instance
        FunctionKey.objects.filter(phone=phone, position__gt=len(phone.key_slots())).delete()
        users = [phone.user] if phone.user_id else []
        users += [k.target_user for k in phone.keys.filter(type=FunctionKey.Type.LINE, target_user__isnull=False).select_related("target_user")]
        for user in users:
            operations.sipaccount_ensure(user=user)
        notify_config_changed([phone.pk])

    def delete_model(self, request, obj):
        pk = obj.pk
        super().delete_model(request, obj)
        notify_config_changed([pk])


@admin.register(SipAccount)
class SipAccountAdmin(AuditedModelAdmin):
    list_display = ["username", "user", "organisation_name", "created_at", "password_changed_at"]
    list_filter = [organisation_filter("user__organisation")]
    search_fields = ["username", "user__username"]
    fields = ["user", "username", "created_at", "password_changed_at"]
    readonly_fields = ["user", "username", "created_at", "password_changed_at"]
    actions = ["reset_password"]
    list_select_related = ["user__organisation"]

    @admin.display(description=_("organisation"))
    def organisation_name(self, obj):
        return obj.user.organisation

    def has_add_permission(self, request):
        return False  # created when a user is put on a phone's line

    @admin.action(description=_("Generate a new SIP password"), permissions=["change"])
    def reset_password(self, request, queryset):
        count = 0
        for account in queryset.select_related("user"):
            operations.sipaccount_reset_password(user=account.user, by=request.user)
            count += 1
        messages.success(request, ngettext("%(count)d SIP password was renewed.", "%(count)d SIP passwords were renewed.", count) % {"count": count})

    def delete_model(self, request, obj):
        from devices.signals import phone_ids_for_user

        ids = phone_ids_for_user(obj.user_id)
        super().delete_model(request, obj)
        notify_config_changed(ids)
