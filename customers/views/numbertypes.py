"""Organisation → Nummertypeklassifikation (ORG-6) and Spærringsgrupper (ORG-10)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from connect.lib.forms import add_operation_errors
from connect.lib.views import (
    ImportUploadView,
    PortalCreateView,
    PortalDeleteView,
    PortalListView,
    PortalMixin,
    PortalUpdateView,
)
from customers import operations, permissions
from customers.forms.numbertypes import BlockingGroupForm, ClassificationForm
from customers.models import BlockingGroup, Job, NumberClassification
from customers.numbertypes import prefix_clean
from customers.queries_numbertypes import classify_number
from customers.views.numbers import history_url

# --- Number type classification (ORG-6) ---------------------------------------------------------


class ClassificationListView(PortalListView):
    model = NumberClassification
    permission = permissions.ADMINISTER_ORGANISATION
    template_name = "customers/classification_list.html"
    paginate_by = None

    def get_queryset(self):
        return super().get_queryset().annotate(prefix_count=Count("prefixes", distinct=True)).order_by("name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"title": _("Number type classification"), "create_url": reverse("customers:classification_create")})
        return context


class ClassificationEditView(PortalMixin, View):
    """Create (no pk) or edit a classification. "Tilføj" and × change the list shown (carried in
    hidden inputs); "Gem" saves name and list through the operations."""

    model = NumberClassification  # the object of the pk (also read by the tenancy walk)
    permission = permissions.ADMINISTER_ORGANISATION
    template_name = "customers/classification_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.pk = kwargs.get("pk")

    def get_object(self):
        return self.get_object_for_organisation(NumberClassification, pk=self.pk) if self.pk else None

    def get(self, request, pk=None):
        obj = self.get_object()
        initial = {}
        if obj is not None:
            initial = {"name": obj.name, "prefixes": list(obj.prefixes.values_list("prefix", flat=True))}
        form = ClassificationForm(initial=initial, organisation=self.organisation, user=request.user)
        return self.render(form, obj, initial.get("prefixes", []))

    def render(self, form, obj, prefixes, status=200):
        context = {
            "form": form,
            "object": obj,
            "prefixes": prefixes,
            "title": _("Number type classification “%(name)s”") % {"name": obj} if obj else _("New number type classification"),
            "cancel_url": reverse("customers:classification_list"),
        }
        if obj is not None:
            context.update(
                {
                    "history_url": history_url(obj),
                    "delete_url": reverse("customers:classification_delete", args=[obj.pk]),
                    "import_url": reverse("customers:classification_import", args=[obj.pk]),
                }
            )
        return render(self.request, self.template_name, context, status=status)

    def post(self, request, pk=None):
        obj = self.get_object()
        form = ClassificationForm(request.POST, organisation=self.organisation, user=request.user)
        form.is_valid()
        prefixes = list(dict.fromkeys(form.cleaned_data.get("prefixes") or request.POST.getlist("prefixes")))
        if "add" in request.POST:
            return self._add(form, obj, prefixes)
        if "remove" in request.POST:
            removed = request.POST["remove"]
            prefixes = [p for p in prefixes if p != removed]
            return self.render(self._fresh(form, prefixes), obj, prefixes)
        if not form.is_valid():
            return self.render(form, obj, prefixes, status=400)
        try:
            if obj is None:
                obj = operations.classification_create(
                    organisation=self.organisation, name=form.cleaned_data["name"], prefixes=prefixes, by=request.user
                )
                messages.success(request, _("The classification “%(object)s” was created.") % {"object": obj})
            else:
                obj = operations.classification_update(
                    classification=obj, name=form.cleaned_data["name"], prefixes=prefixes, by=request.user
                )
                messages.success(request, _("The classification “%(object)s” was saved.") % {"object": obj})
        except ValidationError as exc:
            add_operation_errors(form, exc)
            return self.render(form, obj, prefixes, status=400)
        return HttpResponseRedirect(reverse("customers:classification_update", args=[obj.pk]))

    def _fresh(self, form, prefixes):
        """The form re-shown with the new list and an empty prefix input."""
        data = {"name": form.data.get("name", ""), "prefixes": prefixes, "new_prefix": ""}
        return ClassificationForm(initial=data, organisation=self.organisation, user=self.request.user)

    def _add(self, form, obj, prefixes):
        raw = form.data.get("new_prefix", "")
        try:
            prefix = prefix_clean(raw)
        except ValidationError as exc:
            form.add_error("new_prefix", exc)
            return self.render(form, obj, prefixes, status=400)
        if prefix not in prefixes:
            prefixes.append(prefix)
        return self.render(self._fresh(form, prefixes), obj, prefixes)


class ClassificationDeleteView(PortalDeleteView):
    model = NumberClassification
    permission = permissions.ADMINISTER_ORGANISATION
    success_url = reverse_lazy("customers:classification_list")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "cancel_url": reverse("customers:classification_list")}

    def perform_delete(self, obj):
        operations.classification_delete(classification=obj, by=self.request.user)


class ClassificationImportView(ImportUploadView):
    """CSV of prefixes, one per line, with "Tilføj" (append) or "Erstat" (replace the list)."""

    model = NumberClassification
    permission = permissions.ADMINISTER_ORGANISATION
    template_name = "customers/classification_import.html"
    job_kind = Job.Kind.PREFIXES_IMPORT
    task = "customers.prefixes_import"
    formats = ("csv",)

    def dispatch(self, request, *args, **kwargs):
        self.pk = kwargs["pk"]
        return super().dispatch(request, *args, **kwargs)

    def classification(self):
        return self.get_object_for_organisation(NumberClassification, pk=self.pk)

    def mode(self):
        return "replace" if self.request.POST.get("mode") == "replace" else "add"

    def extra_context(self):
        classification = self.classification()
        return {
            "title": _("Upload prefixes to “%(name)s”") % {"name": classification},
            "classification": classification,
            "cancel_url": reverse("customers:classification_update", args=[classification.pk]),
            "jobs": self.recent_jobs([Job.Kind.PREFIXES_IMPORT]),
        }

    def job_params(self):
        classification = self.classification()
        return {
            "unit": "line",
            "label_header": _("Prefix"),
            "classification": classification.pk,
            "mode": self.mode(),
            "back": reverse("customers:classification_update", args=[classification.pk]),
        }


class ClassifyNumberView(PortalMixin, View):
    """"Test et nummer": the classification a number falls into (longest prefix wins)."""

    permission = permissions.ADMINISTER_ORGANISATION

    def get(self, request):
        raw = request.GET.get("number", "").strip()[:40]
        context = {"number": raw}
        if raw:
            key, classification, prefix = classify_number(self.organisation, raw)
            context.update({"key": key, "classification": classification, "prefix": prefix})
        return render(request, "customers/_classify_result.html", context)


# --- Blocking groups (ORG-10) -------------------------------------------------------------------


class BlockingGroupListView(PortalListView):
    model = BlockingGroup
    permission = permissions.ADMINISTER_ORGANISATION
    template_name = "customers/blockinggroup_list.html"
    paginate_by = None

    def get_queryset(self):
        return super().get_queryset().prefetch_related("classifications").order_by("name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"title": _("Blocking groups"), "create_url": reverse("customers:blockinggroup_create")})
        return context


class BlockingGroupFormMixin:
    model = BlockingGroup
    form_class = BlockingGroupForm
    permission = permissions.ADMINISTER_ORGANISATION
    success_url = reverse_lazy("customers:blockinggroup_list")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = reverse("customers:blockinggroup_list")
        if getattr(self, "object", None) is not None and self.object.pk:
            context["history_url"] = history_url(self.object)
        return context


class BlockingGroupCreateView(BlockingGroupFormMixin, PortalCreateView):
    success_message = gettext_lazy("The blocking group “%(object)s” was created.")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("New blocking group")}

    def perform_save(self, form):
        return operations.blockinggroup_create(organisation=self.organisation, by=self.request.user, **form.operation_fields())


class BlockingGroupUpdateView(BlockingGroupFormMixin, PortalUpdateView):
    success_message = gettext_lazy("The blocking group “%(object)s” was saved.")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Blocking group “%(name)s”") % {"name": self.object}}

    def perform_save(self, form):
        return operations.blockinggroup_update(group=self.object, by=self.request.user, **form.operation_fields())


class BlockingGroupDeleteView(PortalDeleteView):
    model = BlockingGroup
    permission = permissions.ADMINISTER_ORGANISATION
    success_url = reverse_lazy("customers:blockinggroup_list")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "cancel_url": reverse("customers:blockinggroup_list")}

    def perform_delete(self, obj):
        operations.blockinggroup_delete(group=obj, by=self.request.user)


classification_list = ClassificationListView.as_view()
classification_create = ClassificationEditView.as_view()
classification_update = ClassificationEditView.as_view()
classification_delete = ClassificationDeleteView.as_view()
classification_import = ClassificationImportView.as_view()
classify_number_view = ClassifyNumberView.as_view()
blockinggroup_list = BlockingGroupListView.as_view()
blockinggroup_create = BlockingGroupCreateView.as_view()
blockinggroup_update = BlockingGroupUpdateView.as_view()
blockinggroup_delete = BlockingGroupDeleteView.as_view()
