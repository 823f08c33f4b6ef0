"""SVC-8 pages: the rules of one scope (own, inherited, effective), "Opret"/edit/delete, and
"Test et nummer" (the same loader and engine the telephone platform's export will use).

Groups, users and rules come through the tenancy helper: another organisation's object is a 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from connect.lib.tenancy import get_for_organisation, scoped
from customers.models import User, UserGroup
from services import conversions as engine
from services.definitions import NUMBER_CONVERSIONS
from services.forms_conversions import (
    ConversionTestForm,
    NumberConversionForm,
    interval_rows,
    with_interval_rows,
)
from services.models import NumberConversion
from services.operations_conversions import conversion_create, conversion_delete, conversion_update
from services.queries import user_conversions
from services.resolver import resolve_scope
from services.scopes import GROUP, USER, Scope
from services.views import ScopePageMixin, ServicesMixin, history_url, scope_url, search_users


def _reason_text(code):
    return {
        engine.SHORTER_PREFIX: _("its prefix is shorter than the prefix of the rule used"),
        engine.ANY_DIGITS: _(
            "“any number of digits” is less specific than a fixed number of digits"
        ),
        engine.WIDER_INTERVALS: _("its digits or intervals cover more numbers"),
        engine.LOWER_SCOPE: _("equally specific, but set at a level with lower priority"),
        engine.LATER_RULE: _("equally specific and set at the same level, but created later"),
    }[code]


def _scope_of(conversion):
    return Scope(conversion.organisation, group=conversion.group, user=conversion.user)


def _page_url(scope):
    return scope_url(NUMBER_CONVERSIONS, scope)


def _create_url(scope):
    name = "conversion_create" if scope.is_organisation else f"conversion_create_{scope.level}"
    return reverse(f"services:{name}", kwargs=scope.url_kwargs())


def _scope_from_kwargs(organisation, level, pk):
    if level == GROUP:
        return Scope(organisation, group=get_for_organisation(UserGroup, organisation, pk=pk))
    if level == USER:
        return Scope(organisation, user=get_for_organisation(User, organisation, pk=pk))
    return Scope(organisation)


class ConversionsPageView(ScopePageMixin, View):
    """The rules at one scope, what it inherits, the user's effective rules, "Test et nummer"."""

    def get(self, request, **kwargs):
        scope = self.get_scope()
        groups = list(
            scoped(UserGroup, self.organisation)
            .order_by("priority")
            .only("pk", "name", "priority", "organisation_id")
        )
        context = self.picker_context(scope, groups)
        partial = self.search_partial(context)
        if partial is not None:
            return partial
        tester = self.tester_context(scope)
        if request.htmx and "test_q" in request.GET:
            return render(request, "services/_conversion_test_users.html", tester)
        resolution = resolve_scope(NUMBER_CONVERSIONS, scope)
        context.update(
            {
                "own": sorted(
                    resolution.own["conversions"].values(),
                    key=lambda r: (r.prefix, r.digits is None, r.digits or 0, r.pk),
                ),
                "inherited": list(zip(*resolution.inherited["conversions"], strict=True)),
                "effective": list(zip(*resolution.effective["conversions"], strict=True))
                if scope.level == USER
                else None,
                "create_url": _create_url(scope),
                **tester,
            }
        )
        return render(request, "services/conversions.html", context)

    def post(self, request, **kwargs):
        self.get_scope()  # another organisation's group or user: 404 before anything else
        return HttpResponseNotAllowed(["GET"])

    def tester_context(self, scope):
        """ "Test et nummer": the number converted with the chosen user's effective rules."""
        params = self.request.GET
        form = ConversionTestForm(params if "number" in params else None)
        tester_user = scope.user
        if params.get("test_user", "").isdigit():
            tester_user = get_for_organisation(User, self.organisation, pk=int(params["test_user"]))
        test_query = params.get("test_q", "").strip()[:100]
        result = None
        if form.is_bound and form.is_valid() and form.cleaned_data["number"]:
            if tester_user is None:
                form.add_error(None, _("Choose the user whose number conversions apply."))
            else:
                result = engine.conversion_apply(
                    user_conversions(tester_user), form.cleaned_data["number"]
                )
        return {
            "test_form": form,
            "test_user": tester_user,
            "test_query": test_query,
            "test_results": search_users(self.organisation, test_query) if test_query else None,
            "test_result": result,
            "test_losers": [(rule, _reason_text(code)) for rule, code in result.losers]
            if result
            else [],
        }


class ConversionFormMixin(ServicesMixin):
    template_name = "services/conversion_form.html"

    def handle(self, request, scope, save, instance=None):
        """POST: "Tilføj interval" / × redisplay the form; "Gem" saves through `save`."""
        data = request.POST
        if "add_interval" in data or "remove_interval" in data:
            rows = interval_rows(data)
            if "add_interval" in data:
                rows.append(["", ""])
            else:
                index = data.get("remove_interval", "")
                if index.isdigit() and int(index) < len(rows):
                    del rows[int(index)]
            form = NumberConversionForm(
                with_interval_rows(data, rows), instance=instance
            ).without_errors()
            return self.render_form(form, scope, instance)
        form = NumberConversionForm(data, instance=instance)
        if form.is_valid():
            try:
                conversion = save(form.values())
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(
                    request, _("The number conversion “%(rule)s” was saved.") % {"rule": conversion}
                )
                return HttpResponseRedirect(_page_url(scope))
        return self.render_form(form, scope, instance)

    def render_form(self, form, scope, instance=None):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "scope": scope,
                "object": instance,
                "service": NUMBER_CONVERSIONS,
                "cancel_url": _page_url(scope),
                "history_url": history_url(instance),
                "title": _("Edit number conversion") if instance else _("Create number conversion"),
            },
        )


class ConversionCreateView(ConversionFormMixin, View):
    level = "organisation"

    def get(self, request, pk=None):
        scope = _scope_from_kwargs(self.organisation, self.level, pk)
        return self.render_form(NumberConversionForm(), scope)

    def post(self, request, pk=None):
        scope = _scope_from_kwargs(self.organisation, self.level, pk)
        return self.handle(
            request, scope, lambda values: conversion_create(scope=scope, **values, by=request.user)
        )


class ConversionMixin(ServicesMixin):
    def get_conversion(self):
        return get_for_organisation(
            NumberConversion.objects.select_related("organisation", "group", "user"),
            self.organisation,
            pk=self.kwargs["pk"],
        )


class ConversionUpdateView(ConversionMixin, ConversionFormMixin, View):
    def get(self, request, pk):
        conversion = self.get_conversion()
        return self.render_form(
            NumberConversionForm(instance=conversion), _scope_of(conversion), conversion
        )

    def post(self, request, pk):
        conversion = self.get_conversion()
        return self.handle(
            request,
            _scope_of(conversion),
            lambda values: conversion_update(conversion=conversion, **values, by=request.user),
            instance=conversion,
        )


class ConversionDeleteView(ConversionMixin, View):
    def get(self, request, pk):
        conversion = self.get_conversion()
        return render(
            request,
            "generic/confirm_delete.html",
            {"object": conversion, "cancel_url": _page_url(_scope_of(conversion))},
        )

    def post(self, request, pk):
        conversion = self.get_conversion()
        scope = _scope_of(conversion)
        name = str(conversion)
        conversion_delete(conversion=conversion, by=request.user)
        messages.success(request, _("“%(object)s” was deleted.") % {"object": name})
        return HttpResponseRedirect(_page_url(scope))


_PAGES = {
    level: ConversionsPageView.as_view(level=level) for level in ("organisation", GROUP, USER)
}


def conversions_page(request, level, **kwargs):
    """services.views.service_page hands the SVC-8 page here."""
    return _PAGES[level](request, **kwargs)
