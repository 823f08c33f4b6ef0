"""Read queries for user administration (USR-2 users list, DEV-5 smartphone clients).

The users list search is a fixed number of queries whatever the organisation's size: the search
runs in the database (EXISTS sub-queries for numbers, directory values and group names), the
primary line is an annotation, and the row details come from two prefetches.
"""

import re
import unicodedata

from django.db.models import Exists, F, OuterRef, Prefetch, Q, Subquery

from customers.models import DirectoryFieldValue, GroupMembership, Number, User, UserGroup, UserLine

MAX_TERMS = 6
MAX_TERM_LENGTH = 100

SORTS = {
    "username": ("username",),
    "first_name": ("first_name", "username"),
    "last_name": ("last_name", "username"),
    "primary_line": ("primary_number", "username"),
}


def search_terms(q):
    """Whitespace-separated terms (each must match somewhere), bounded in number and length."""
    # Control characters (NUL above all: PostgreSQL refuses it in a query) can match nothing.
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in str(q or ""))
    terms = [t for t in re.split(r"\s+", text.strip()) if t]
    return [t[:MAX_TERM_LENGTH] for t in terms[:MAX_TERMS]]


def _number_term(term):
    """A number-ish search term in the stored form's alphabet ("0045 88" → "+4588")."""
    compact = "".join(ch for ch in term if ch in "+0123456789")
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    return compact


def _term_condition(term):
    condition = (
        Q(username__icontains=term)
        | Q(first_name__icontains=term)
        | Q(last_name__icontains=term)
        | Q(email__icontains=term)
        | Q(department__icontains=term)
        | Q(title__icontains=term)
        | Q(licence__name__icontains=term)
        | Exists(DirectoryFieldValue.objects.filter(user=OuterRef("pk"), value__icontains=term))
        | Exists(GroupMembership.objects.filter(user=OuterRef("pk"), group__name__icontains=term))
    )
    digits = _number_term(term)
    if digits and digits.strip("+"):
        condition |= Exists(Number.objects.filter(user=OuterRef("pk"), number__contains=digits))
    return condition


def parse_show(organisation, show="", group=None, groups=None):
    """The "Alle brugere / group / department" dropdown: returns (show value, group, department).
    `groups`: the organisation's groups when the caller has them already (saves a query)."""
    if group:
        show = f"group-{group}"
    show = str(show or "")
    if show.startswith("group-"):
        try:
            pk = int(show[len("group-"):])
        except ValueError:
            return "", None, None
        if groups is not None:
            found = next((g for g in groups if g.pk == pk), None)
        else:
            found = UserGroup.objects.for_organisation(organisation).filter(pk=pk).first()
        return (show, found, None) if found else ("", None, None)
    if show.startswith("department-"):
        return show, None, show[len("department-"):][:64]
    return "", None, None


def users_list(organisation, *, q="", group=None, department=None, sort="username"):
    """The organisation's users matching the search and filter, ordered by `sort`
    (a key of SORTS, optionally prefixed with "-"). Rows carry `primary_number`, `licence`,
    prefetched `groups_in_order` and `personal_numbers`."""
    qs = User.objects.for_organisation(organisation)
    if group is not None:
        qs = qs.filter(Exists(GroupMembership.objects.filter(user=OuterRef("pk"), group=group)))
    if department:
        qs = qs.filter(department=department)
    for term in search_terms(q):
        qs = qs.filter(_term_condition(term))
    key = str(sort or "username")
    descending = key.startswith("-")
    fields = SORTS.get(key.lstrip("-"), SORTS["username"])
    order = [f"-{f}" if descending else f for f in fields]
    if fields[0] == "primary_number":
        # Only this sort needs the primary line in SQL; otherwise with_row_details() provides it
        # for the page's rows (a sub-select would be evaluated for every row OFFSET skips).
        qs = qs.annotate(
            primary_number=Subquery(
                UserLine.objects.filter(user=OuterRef("pk"), slot=UserLine.Slot.PRIMARY).values("number__number")[:1]
            )
        )
        order[0] = F("primary_number").desc(nulls_last=True) if descending else F("primary_number").asc(nulls_last=True)
    return qs.select_related("licence").order_by(*order)


def with_row_details(users):
    """The page's rows with what a row shows: `primary_number` and, for the info popover,
    `groups_in_order` and `personal_numbers` (2 queries for any page size)."""
    rows = list(_prefetch_row_details(users))
    for row in rows:
        if not hasattr(row, "primary_number"):
            row.primary_number = next(
                (n.number for n in row.personal_numbers if n.purpose == Number.Purpose.USER_LINE and n.line_slot == UserLine.Slot.PRIMARY),
                None,
            )
    return rows


def _prefetch_row_details(users):
    return users.prefetch_related(
        Prefetch("user_groups", queryset=UserGroup.objects.order_by("priority"), to_attr="groups_in_order"),
        Prefetch(
            "numbers",
            queryset=Number.objects.filter(purpose__in=[Number.Purpose.USER_LINE, Number.Purpose.ALIAS, Number.Purpose.MOBILE]).order_by(
                "line_slot", "purpose", "value"
            ),
            to_attr="personal_numbers",
        ),
    )


def departments(organisation):
    return list(
        User.objects.for_organisation(organisation).exclude(department="").order_by("department").values_list("department", flat=True).distinct()
    )


def user_lines(user):
    """{slot: UserLine} and {slot: [alias numbers]} of one user."""
    lines = {line.slot: line for line in UserLine.objects.filter(user=user).select_related("number")}
    aliases = {}
    for number in Number.objects.filter(user=user, purpose=Number.Purpose.ALIAS).order_by("value"):
        aliases.setdefault(number.line_slot, []).append(number.number)
    return lines, aliases


# --- smartphone clients (DEV-5) ----------------------------------------------------------------

SMARTPHONE_STATUSES = ("not_invited", "invited", "in_use")


def smartphone_clients(organisation, status=""):
    """Users with their mobile number (annotation `mobile_number`) and invite status, filtered."""
    qs = User.objects.for_organisation(organisation).annotate(
        mobile_number=Subquery(Number.objects.filter(user=OuterRef("pk"), purpose=Number.Purpose.MOBILE).values("number")[:1])
    )
    if status == "not_invited":
        qs = qs.filter(welcome_sent_at__isnull=True, mobile_app_first_used_at__isnull=True)
    elif status == "invited":
        qs = qs.filter(welcome_sent_at__isnull=False, mobile_app_first_used_at__isnull=True)
    elif status == "in_use":
        qs = qs.filter(mobile_app_first_used_at__isnull=False)
    return qs.order_by("username")
