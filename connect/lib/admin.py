"""Django admin base for every app: changes made by support staff land in the audit trail.

    from connect.lib.admin import AuditedModelAdmin, organisation_filter

    @admin.register(Thing)
    class ThingAdmin(AuditedModelAdmin):
        list_display = ["name", "organisation"]
        list_filter = [organisation_filter()]          # or organisation_filter("user__organisation")
        search_fields = ["name"]

AuditedModelAdmin records create/update (after the many-to-many fields and inlines are saved, so
the diff is complete), delete, bulk delete and inline changes with `audit_record`. An admin whose
save_model/delete_model calls an operation that audits by itself sets `obj._audited = True`
(see `mark_audited`) so the change is not recorded twice.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from connect.lib.audit import audit_record, diff, snapshot


def mark_audited(obj):
    """The operation that saved `obj` wrote the audit entry already."""
    obj._audited = True
    return obj


def organisation_filter(path="organisation", title=None):
    """A list filter "by organisation" for models that reach their organisation through `path`."""
    from customers.models import Organisation

    class OrganisationFilter(admin.SimpleListFilter):
        parameter_name = path.replace("__", "_") + "_id" if path != "organisation" else "organisation_id"

        def lookups(self, request, model_admin):
            return [(str(pk), name) for pk, name in Organisation.objects.order_by("name").values_list("pk", "name")]

        def queryset(self, request, queryset):
            value = self.value()
            if value and value.isdigit():
                return queryset.filter(**{path: int(value)})
            return queryset

    OrganisationFilter.title = title or _("organisation")
    return OrganisationFilter


def organisation_of(obj):
    """The organisation a row belongs to, through `organisation` or its queryset's organisation_field."""
    from customers.models import Organisation

    if isinstance(obj, Organisation):
        return obj
    if hasattr(obj, "organisation_id"):
        return obj.organisation
    path = getattr(type(obj)._default_manager.get_queryset(), "organisation_field", None)
    if not path:
        return None
    value = obj
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


class AuditedModelAdmin(admin.ModelAdmin):
    """ModelAdmin that writes the audit trail (ARCHITECTURE.md invariant 7)."""

    # Fields never shown in the audit diff (secrets).
    audit_exclude = ("password",)

    def _snapshot(self, obj):
        return snapshot(obj, exclude=self.audit_exclude)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # The "before" of an edit, taken before the form touches the instance.
            obj._audit_before = self._snapshot(obj)
        return obj

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        if getattr(obj, "_audited", False):
            return
        before = getattr(obj, "_audit_before", None) if change else {}
        changes = diff(before or {}, self._snapshot(obj))
        if change and not changes:
            return
        audit_record(
            actor=request.user, action="update" if change else "create", obj=obj, organisation=organisation_of(obj), changes=changes
        )
        obj._audit_before = self._snapshot(obj)

    def save_formset(self, request, form, formset, change):
        existing = {o.pk: self._snapshot(o) for o in formset.get_queryset()} if hasattr(formset, "get_queryset") else {}
        # Deleted inline rows are recorded before the formset deletes them (their pk is gone after).
        for deleted_form in getattr(formset, "deleted_forms", []):
            obj = deleted_form.instance
            if obj.pk is not None:
                audit_record(
                    actor=request.user, action="delete", obj=obj, organisation=organisation_of(obj), changes=diff(existing.get(obj.pk, {}), {})
                )
        for obj in formset.save():
            changes = diff(existing.get(obj.pk, {}), self._snapshot(obj))
            if obj.pk in existing and not changes:
                continue
            audit_record(
                actor=request.user,
                action="update" if obj.pk in existing else "create",
                obj=obj,
                organisation=organisation_of(obj),
                changes=changes,
            )

    def delete_model(self, request, obj):
        audit_record(
            actor=request.user, action="delete", obj=obj, organisation=organisation_of(obj), changes=diff(self._snapshot(obj), {})
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
