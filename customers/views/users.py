"""User administration pages: the users list (USR-2) with bulk actions (USR-4), the user page
(USR-6 … USR-14), "Opret ny bruger baseret på denne bruger" (USR-15) and deletion.

Extension slots for the jobs area (import/export and welcome messages) are templates included
only when they exist: see EXTENSION_TEMPLATES.
"""

from functools import cache

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.decorators.http import require_GET

from connect.lib import crypto
from connect.lib.forms import add_operation_errors
from connect.lib.views import PortalMixin
from customers import permissions
from customers.forms.users import (
    BulkEditForm,
    BulkGroupsForm,
    BulkUsersForm,
    UserCopyForm,
    UserForm,
)
from customers.models import Number, User, UserGroup
from customers.models.users import ThirdPartySipAccount
from customers.operations.directory import user_set_directory_values
from customers.operations.users import (
    NON_PERSONAL_FIELDS,
    user_copy,
    user_create,
    user_delete,
    user_set_groups,
    user_set_lines,
    user_set_mobile,
    user_set_third_party_sip,
    user_update,
    users_add_to_groups,
    users_delete,
    users_remove_from_groups,
    users_update,
)
from customers.queries_users import departments, parse_show, users_list, with_row_details

PAGE_SIZE = 25

# Templates other areas provide to plug into the users list; included only if they exist.
#   tools:       buttons above the list (import/export, USR-3)          context: query_string
#   bulk_menu:   <li> items in the bulk-action menu (welcome, USR-4/5)  the checkboxes' form id is "users-bulk"
#   row_menu:    <li> items in a row's menu (welcome, USR-5)            context: row (the User)
#   user_page:   a section on the user page (welcome status, USR-5)     context: object (the User)
EXTENSION_TEMPLATES = {
    "tools": "customers/_users_list_tools.html",
    "bulk_menu": "customers/_users_bulk_menu.html",
    "row_menu": "customers/_users_row_menu.html",
    "user_page": "customers/_user_page_extra.html",
}


@cache
def _template_exists(name):
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


def extension_templates():
    if settings.DEBUG or getattr(settings, "TESTING", False):
        _template_exists.cache_clear()
    return {key: name for key, name in EXTENSION_TEMPLATES.items() if _template_exists(name)}


def history_url(obj):
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return reverse("customers:history", args=[ct.pk, obj.pk])


class UsersPortalMixin(PortalMixin):
    permission = permissions.MANAGE_USERS

    def get_user(self, pk):
        return self.get_object_for_organisation(User, pk=pk)


# --- users list (USR-2) ------------------------------------------------------------------------


class UserListView(UsersPortalMixin, View):
    def get(self, request):
        organisation = self.organisation
        q = request.GET.get("q", "")[:300]
        groups = list(UserGroup.objects.for_organisation(organisation).order_by("priority"))
        show, group, department = parse_show(organisation, request.GET.get("show", ""), request.GET.get("group", ""), groups)
        sort = request.GET.get("sort", "username")
        users = users_list(organisation, q=q, group=group, department=department, sort=sort)
        page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
        page.object_list = with_row_details(page.object_list)
        params = {k: v for k, v in (("q", q), ("show", show), ("sort", sort if sort != "username" else "")) if v}
        context = {
            "page_obj": page,
            "users": page.object_list,
            "q": q,
            "show": show,
            "selected_group": group,
            "selected_department": department,
            "sort": sort,
            "groups": groups,
            "departments": departments(organisation),
            "query_string": urlencode(params),
            "filter_string": urlencode({k: v for k, v in params.items() if k != "sort"}),
            "sort_columns": self.sort_columns(sort),
            "extensions": extension_templates(),
        }
        return render(request, "customers/user_list.html", context)

    @staticmethod
    def sort_columns(sort):
        columns = []
        for key, label in (
            ("username", _("Username")),
            ("first_name", _("First name")),
            ("last_name", _("Last name")),
            ("primary_line", _("Primary line")),
        ):
            active = sort.lstrip("-") == key
            descending = active and sort.startswith("-")
            columns.append(
                {
                    "key": key,
                    "label": label,
                    "active": active,
                    "descending": descending,
                    "next": f"-{key}" if active and not descending else key,
                }
            )
        return columns


user_list = UserListView.as_view()


# --- the user page (USR-6 … USR-14) ------------------------------------------------------------


def _collect(errors, exc):
    if hasattr(exc, "error_dict"):
        for field, items in exc.message_dict.items():
            errors.setdefault(field, []).extend(items)
    else:
        errors.setdefault("__all__", []).extend(exc.messages)


def save_user_form(form, *, organisation, by, instance=None):
    """Apply every section of UserForm through the operations, all or nothing. Errors of all
    sections are collected and raised together (keyed by form field)."""
    data = form.cleaned_data
    errors = {}
    with transaction.atomic():
        fields = form.user_fields()
        try:
            with transaction.atomic():
                if instance is None:
                    user = user_create(
                        organisation=organisation,
                        username=data["username"],
                        password=data.get("password") or None,
                        by=by,
                        **fields,
                    )
                else:
                    user = user_update(user=instance, by=by, username=data["username"], password=data.get("password") or "", **fields)
        except ValidationError as exc:
            _collect(errors, exc)
            raise ValidationError(errors) from exc
        steps = [
            (user_set_groups, {"groups": list(data.get("user_groups") or [])}),
            (
                user_set_lines,
                {
                    "primary": data.get("primary"),
                    "primary_type": data.get("primary_type"),
                    "primary_aliases": data.get("primary_aliases"),
                    "secondary": data.get("secondary"),
                    "secondary_type": data.get("secondary_type"),
                    "secondary_aliases": data.get("secondary_aliases"),
                },
            ),
            (
                user_set_mobile,
                {"number": data.get("mobile_number"), "licence": data.get("mobile_licence"), "profile": data.get("mobile_profile") or "standard"},
            ),
            (user_set_directory_values, {"values": form.directory_values()}),
        ]
        has_account = ThirdPartySipAccount.objects.filter(user=user).exists()
        if data.get("sip_enabled") or data.get("sip_password") or has_account:
            steps.append(
                (
                    user_set_third_party_sip,
                    {"enabled": data.get("sip_enabled"), "password": data.get("sip_password"), "display_as": data.get("sip_display_as")},
                )
            )
        for operation, kwargs in steps:
            try:
                with transaction.atomic():
                    operation(user=user, by=by, **kwargs)
            except ValidationError as exc:
                _collect(errors, exc)
        caller_id = data.get("caller_id_number")
        if caller_id is not None and not Number.objects.filter(pk=caller_id.pk).exists():
            caller_id = None  # the line it named was just released
        if not errors and caller_id != user.caller_id_number:
            try:
                with transaction.atomic():
                    user = user_update(user=user, by=by, caller_id_number=caller_id)
            except ValidationError as exc:
                _collect(errors, exc)
        if errors:
            raise ValidationError(errors)
    return user


class UserFormViewMixin(UsersPortalMixin):
    template_name = "customers/user_form.html"

    def render_form(self, form, obj=None, status=200):
        context = {
            "form": form,
            "object": obj,
            "title": _("Edit user") if obj else _("Create new user"),
            "history_url": history_url(obj) if obj else None,
            "sip_account": form.sip_account,
            "sip_registrar": settings.SIP_REGISTRAR,
            "desk_phones": self.desk_phones(obj),
            "has_desk_phone_relation": hasattr(User, "desk_phones"),
            "extensions": extension_templates(),
            "cancel_url": reverse("customers:user_list"),
            "may_manage_services": permissions.may(self.request.user, permissions.MANAGE_SERVICES, organisation=self.organisation),
        }
        return render(self.request, self.template_name, context, status=status)

    @staticmethod
    def desk_phones(obj):
        """USR-12 "SIP-fastnettelefoner": the devices app's phones assigned to the user, if that app has them."""
        if obj is None or not hasattr(obj, "desk_phones"):
            return []
        return list(obj.desk_phones.all())


class UserCreateView(UserFormViewMixin, View):
    def get(self, request):
        form = UserForm(organisation=self.organisation, user=request.user)
        return self.render_form(form)

    def post(self, request):
        form = UserForm(request.POST, request.FILES, organisation=self.organisation, user=request.user)
        if form.is_valid():
            try:
                user = save_user_form(form, organisation=self.organisation, by=request.user)
            except ValidationError as exc:
                add_operation_errors(form, exc)
            else:
                messages.success(request, _("The user “%(user)s” was created.") % {"user": user})
                return HttpResponseRedirect(reverse("customers:user_update", args=[user.pk]))
        return self.render_form(form, status=200)


class UserUpdateView(UserFormViewMixin, View):
    def get(self, request, pk):
        obj = self.get_user(pk)
        form = UserForm(organisation=self.organisation, user=request.user, instance=obj)
        return self.render_form(form, obj)

    def post(self, request, pk):
        obj = self.get_user(pk)
        form = UserForm(request.POST, request.FILES, organisation=self.organisation, user=request.user, instance=obj)
        if form.is_valid():
            try:
                user = save_user_form(form, organisation=self.organisation, by=request.user, instance=obj)
            except ValidationError as exc:
                add_operation_errors(form, exc)
                obj.refresh_from_db()
            else:
                if user.pk == request.user.pk and form.cleaned_data.get("password"):
                    update_session_auth_hash(request, user)  # an admin who changes his own password stays signed in
                messages.success(request, _("The user “%(user)s” was saved.") % {"user": user})
                return HttpResponseRedirect(reverse("customers:user_update", args=[user.pk]))
        return self.render_form(form, obj)


user_create_view = UserCreateView.as_view()
user_update_view = UserUpdateView.as_view()


class UserCopyView(UsersPortalMixin, View):
    """USR-15: create a new user from this user's non-personal settings."""

    def context(self, source, form):
        groups = list(source.user_groups.order_by("priority"))
        copied = [(self.label(name), self.display_value(source, name)) for name in NON_PERSONAL_FIELDS]
        copied.append((_("User groups"), ", ".join(g.name for g in groups) or "—"))
        return {"form": form, "source": source, "copied": copied, "cancel_url": reverse("customers:user_update", args=[source.pk])}

    @staticmethod
    def label(name):
        """The label the user page shows for the field ("iPad", not the capitalised "IPad")."""
        field = UserForm.base_fields.get("is_admin" if name == "admin_profile" else name)
        return field.label if field is not None else capfirst(User._meta.get_field(name).verbose_name)

    @staticmethod
    def display_value(user, name):
        value = getattr(user, name)
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if name == "language":
            return dict(user.organisation.language_choices()).get(value, value)
        if name == "admin_profile":
            return user.get_admin_profile_display()
        display = getattr(user, f"get_{name}_display", None)
        if callable(display):
            return display()
        return value or "—"

    def get(self, request, pk):
        source = self.get_user(pk)
        form = UserCopyForm(organisation=self.organisation, user=request.user)
        return render(request, "customers/user_copy.html", self.context(source, form))

    def post(self, request, pk):
        source = self.get_user(pk)
        form = UserCopyForm(request.POST, organisation=self.organisation, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = user_copy(
                    source=source,
                    username=data["username"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    email=data.get("email") or "",
                    password=data.get("password") or None,
                    by=request.user,
                )
            except ValidationError as exc:
                add_operation_errors(form, exc)
            else:
                messages.success(request, _("The user “%(user)s” was created from “%(source)s”.") % {"user": user, "source": source})
                return HttpResponseRedirect(reverse("customers:user_update", args=[user.pk]))
        return render(request, "customers/user_copy.html", self.context(source, form))


user_copy_view = UserCopyView.as_view()


class UserDeleteView(UsersPortalMixin, View):
    def get(self, request, pk):
        obj = self.get_user(pk)
        return render(request, "customers/user_confirm_delete.html", {"users": [obj], "object": obj, "single": True})

    def post(self, request, pk):
        obj = self.get_user(pk)
        try:
            user_delete(user=obj, by=request.user)
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
            return HttpResponseRedirect(reverse("customers:user_update", args=[obj.pk]))
        messages.success(request, _("“%(object)s” was deleted.") % {"object": obj})
        return HttpResponseRedirect(reverse("customers:user_list"))


user_delete_view = UserDeleteView.as_view()


class UserPhotoView(UsersPortalMixin, View):
    """The profile picture, served through the tenancy helper (media files are not public)."""

    def get(self, request, pk):
        obj = self.get_user(pk)
        if not obj.photo:
            raise Http404
        try:
            handle = obj.photo.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        content_type = "image/png" if obj.photo.name.lower().endswith(".png") else "image/jpeg"
        response = FileResponse(handle, content_type=content_type)
        response["Cache-Control"] = "private, max-age=300"
        return response


user_photo = UserPhotoView.as_view()


class SipPasswordGenerateView(UsersPortalMixin, View):
    """"Generér" (htmx): a fresh strong password in a visible input, not stored until "Gem"."""

    def get(self, request):
        return render(request, "customers/_user_sip_password.html", {"generated": crypto.generate_password(16)})


sip_password_generate = require_GET(SipPasswordGenerateView.as_view())


# --- bulk actions (USR-4) ----------------------------------------------------------------------

BULK_ACTIONS = {
    "add_groups": (BulkGroupsForm, _("Add users to groups")),
    "remove_groups": (BulkGroupsForm, _("Remove users from groups")),
    "edit": (BulkEditForm, _("Edit users")),
    "delete": (BulkUsersForm, _("Delete users")),
}


class UserBulkView(UsersPortalMixin, View):
    """POST from the list (checkboxes) shows the action's form; POST with "confirm" applies it."""

    def post(self, request, action):
        if action not in BULK_ACTIONS:
            raise Http404
        form_class, title = BULK_ACTIONS[action]
        confirmed = "confirm" in request.POST
        form = form_class(request.POST if confirmed else {"users": request.POST.getlist("users")}, organisation=self.organisation, user=request.user)
        if not confirmed:
            # First step: only the selection is validated; the action's own fields start empty.
            selection = BulkUsersForm({"users": request.POST.getlist("users")}, organisation=self.organisation, user=request.user)
            if not selection.is_valid():
                for error in selection.errors.get("users", []):
                    messages.error(request, error)
                return HttpResponseRedirect(self.back_url(request))
            form = form_class(initial={"users": selection.cleaned_data["users"]}, organisation=self.organisation, user=request.user)
            return self.render(request, action, title, form, list(selection.cleaned_data["users"]))
        if form.is_valid():
            users = list(form.cleaned_data["users"])
            try:
                count = self.apply(action, form, users)
            except ValidationError as exc:
                for error in exc.messages:
                    form.add_error(None, error)
            else:
                messages.success(request, self.done_message(action, count))
                return HttpResponseRedirect(self.back_url(request))
            return self.render(request, action, title, form, users)
        users = list(form.cleaned_data.get("users") or []) if hasattr(form, "cleaned_data") else []
        return self.render(request, action, title, form, users)

    def apply(self, action, form, users):
        org, by = self.organisation, self.request.user
        if action == "add_groups":
            users_add_to_groups(organisation=org, users=users, groups=list(form.cleaned_data["groups"]), by=by)
        elif action == "remove_groups":
            users_remove_from_groups(organisation=org, users=users, groups=list(form.cleaned_data["groups"]), by=by)
        elif action == "edit":
            users_update(organisation=org, users=users, by=by, **form.changed_values())
        elif action == "delete":
            users_delete(organisation=org, users=users, by=by)
        return len(users)

    @staticmethod
    def done_message(action, count):
        if action == "delete":
            return ngettext("%(count)d user was deleted.", "%(count)d users were deleted.", count) % {"count": count}
        return ngettext("%(count)d user was changed.", "%(count)d users were changed.", count) % {"count": count}

    def back_url(self, request):
        back = request.POST.get("back", "")
        base = reverse("customers:user_list")
        return f"{base}?{back}" if back and not back.startswith(("/", "http")) and "\\" not in back else base

    def render(self, request, action, title, form, users):
        return render(
            request,
            "customers/user_bulk.html",
            {"form": form, "action": action, "title": title, "selected_users": users, "back": request.POST.get("back", "")[:500]},
        )


user_bulk = UserBulkView.as_view()
