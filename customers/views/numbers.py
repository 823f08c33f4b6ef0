"""Number ranges (ORG-9) and "Vis tilgængelige numre" (free numbers, htmx)."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.db.models.functions import Length
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from connect.lib import numbers as numberlib
from connect.lib.views import (
    PortalCreateView,
    PortalDeleteView,
    PortalListView,
    PortalMixin,
    PortalUpdateView,
)
from customers import operations, permissions
from customers.forms.numbers import NumberRangeForm
from customers.models import Number, NumberKind, NumberRange
from customers.queries import available_numbers

PAGE_SIZE = 50


def history_url(obj):
    return reverse("customers:history", args=[ContentType.objects.get_for_model(obj).pk, obj.pk])


class NumberRangeListView(PortalListView):
    model = NumberRange
    permission = permissions.ADMINISTER_ORGANISATION
    template_name = "customers/numberrange_list.html"
    paginate_by = None

    def get_queryset(self):
        return super().get_queryset().order_by("kind", "first_value")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ranges = list(context["object_list"])
        _annotate_in_use(self.organisation, ranges)
        context.update({"ranges": ranges, "title": _("Number ranges"), "create_url": reverse("customers:numberrange_create")})
        return context


def _annotate_in_use(organisation, ranges):
    """Set `.in_use` on every range: one aggregate query, counted in the database."""
    if not ranges:
        return
    counts = {}
    for r in ranges:
        condition = Q(kind=r.kind, value__gte=r.first_value, value__lte=r.last_value)
        if r.kind == NumberKind.LOCAL:
            condition &= Q(number_length=len(r.first))
        counts[f"r{r.pk}"] = Count("pk", filter=condition)
    totals = Number.objects.for_organisation(organisation).annotate(number_length=Length("number")).aggregate(**counts)
    for r in ranges:
        r.in_use = totals[f"r{r.pk}"]


class RangeFormMixin:
    model = NumberRange
    form_class = NumberRangeForm
    permission = permissions.ADMINISTER_ORGANISATION
    success_url = reverse_lazy("customers:numberrange_list")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = reverse("customers:numberrange_list")
        return context


class NumberRangeCreateView(RangeFormMixin, PortalCreateView):
    success_message = gettext_lazy("The number range %(object)s was created.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("New number range")
        return context

    def perform_save(self, form):
        return operations.numberrange_create(organisation=self.organisation, by=self.request.user, **form.cleaned_data)


class NumberRangeUpdateView(RangeFormMixin, PortalUpdateView):
    template_name = "customers/numberrange_form.html"
    success_message = gettext_lazy("The number range %(object)s was saved.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Number range %(range)s") % {"range": self.object}
        context["history_url"] = history_url(self.object)
        context["free_url"] = reverse("customers:available_numbers") + "?" + urlencode({"range": self.object.pk})
        return context

    def perform_save(self, form):
        return operations.numberrange_update(number_range=self.object, by=self.request.user, **form.cleaned_data)


class NumberRangeDeleteView(PortalDeleteView):
    model = NumberRange
    permission = permissions.ADMINISTER_ORGANISATION
    success_url = reverse_lazy("customers:numberrange_list")
    success_message = gettext_lazy("The number range %(object)s was deleted.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = reverse("customers:numberrange_list")
        return context

    def perform_delete(self, obj):
        operations.numberrange_delete(number_range=obj, by=self.request.user)


def _local_range(text):
    """"1500-1599" (the `local` parameter: a function-number type's local range) → (1500, 1599)."""
    first, sep, last = text.partition("-")
    if not sep or not (first.isdigit() and last.isdigit()) or len(first) > 7 or len(last) > 7:
        return None
    return (int(first), int(last)) if int(first) <= int(last) else None


class AvailableNumbersView(PortalMixin, View):
    """"Vis tilgængelige numre": free numbers of the organisation's ranges.

    GET parameters (all optional): range (NumberRange pk), after (keyset: the last number shown),
    search (digits the number must contain), target (id of the input a click fills), purpose
    (what the number is for, e.g. user_line: only numbers that field accepts are offered), local
    ("1500-1599": only local numbers in that range, a function-number type's, SET-6).
    htmx requests get the panel partial (or, with after=, just the next items); other requests
    the full page, so the button also works without JavaScript.
    """

    # Every admin who edits numbers (users, function numbers) may list the free ones.
    permission = permissions.ADMINISTER_ORGANISATION

    def get(self, request):
        ranges = list(self.scoped(NumberRange).order_by("kind", "first_value"))
        selected = None
        range_param = request.GET.get("range", "")
        if range_param:
            if not range_param.isdigit():
                raise Http404
            selected = self.get_object_for_organisation(NumberRange, pk=int(range_param))
        purpose = request.GET.get("purpose", "") or None
        if purpose is not None and purpose not in numberlib.USES:
            raise Http404
        local_range = _local_range(request.GET.get("local", ""))
        target = "".join(ch for ch in request.GET.get("target", "") if ch.isalnum() or ch in "_-")[:100]
        search = request.GET.get("search", "")[:32]
        after = request.GET.get("after", "")[:32]
        numbers = available_numbers(
            organisation=self.organisation,
            range=selected,
            after=after,
            limit=PAGE_SIZE,
            search=search,
            purpose=purpose,
            local_range=local_range,
        )
        more_url = ""
        if len(numbers) == PAGE_SIZE:
            params = {"after": numbers[-1].number, "target": target, "search": search, "purpose": purpose}
            if local_range:
                params["local"] = f"{local_range[0]}-{local_range[1]}"
            if selected:
                params["range"] = selected.pk
            more_url = reverse("customers:available_numbers") + "?" + urlencode({k: v for k, v in params.items() if v})
        context = {
            "numbers": numbers,
            "ranges": ranges,
            "selected_range": selected,
            "target": target,
            "purpose": purpose,
            "search": search,
            "after": after,
            "more_url": more_url,
            "panel_id": f"{target}-free" if target else "free-numbers",
            "url": reverse("customers:available_numbers"),
        }
        if request.htmx and after:
            return render(request, "customers/_available_numbers_items.html", context)
        if request.htmx:
            return render(request, "customers/_available_numbers.html", context)
        context["title"] = _("Available numbers")
        return render(request, "customers/available_numbers.html", context)


numberrange_list = NumberRangeListView.as_view()
numberrange_create = NumberRangeCreateView.as_view()
numberrange_update = NumberRangeUpdateView.as_view()
numberrange_delete = NumberRangeDeleteView.as_view()
available_numbers_view = AvailableNumbersView.as_view()
