"""The one answer to "what refers to this object?" (prompts, activities, roles, classifications,
blocking groups, connectors...).

A reference is a row of another model whose foreign key (PROTECT, RESTRICT, SET_NULL or
SET_DEFAULT: a row that outlives the object) or plain many-to-many field points at the object. Rows
that belong to the object (CASCADE children such as its own labels) are parts, not references, and
so are memberships kept in an explicit "through" model (a group's members: deleting the group
ends them, which its confirmation page says). Delete
operations call `refuse_delete_if_referenced(obj)`; the confirmation page lists `references_to(obj)`
with links, so an admin sees what to change first. A model can describe its rows better than
`str()` with `reference_label()` (naming what it reads in `reference_select_related`), and give a
link with `get_absolute_url()`.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

_REFERRING = (models.PROTECT, models.RESTRICT, models.SET_NULL, models.SET_DEFAULT)
MAX_LISTED = 50


@dataclass(frozen=True)
class Reference:
    kind: str  # the referring model's verbose name ("ACD group")
    label: str  # the referring row ("Salg (1500)")
    url: str  # where to change it, or ""

    def __str__(self):
        return f"{self.kind}: {self.label}"


def _describe(row):
    label = row.reference_label() if hasattr(row, "reference_label") else str(row)
    try:
        url = row.get_absolute_url() if hasattr(row, "get_absolute_url") else ""
    except Exception:  # a row whose page needs context it cannot give here: listed without a link
        url = ""
    return Reference(capfirst(str(row._meta.verbose_name)), str(label), url or "")


def references_to(obj, limit=MAX_LISTED, *, ignore=()):
    """The rows that refer to `obj` (at most `limit`), in model order. `ignore`: rows that are not
    references (the object owning `obj`, e.g. a function number asking about its registry number)."""
    ignored = {(row._meta.concrete_model, row.pk) for row in ignore}
    found = []
    for relation in obj._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete:
            continue
        if relation.many_to_many:
            if relation.related_model is obj.__class__ and relation.remote_field.model is obj.__class__:
                continue  # symmetrical self-relations (linked organisations) are not references
            if not relation.through._meta.auto_created:
                continue  # memberships (GroupMembership): parts of the object, not references
        elif relation.one_to_many or relation.one_to_one:
            if relation.on_delete not in _REFERRING:
                continue
        else:
            continue
        model = relation.related_model
        rows = model._base_manager.filter(**{relation.field.name: obj}).distinct()
        # What reference_label() reads, fetched with the rows (a model names it in
        # `reference_select_related`), so listing 50 references is not 50 more queries.
        rows = rows.select_related(*getattr(model, "reference_select_related", ()))
        for row in rows[: max(0, limit - len(found) + len(ignored))]:
            if (row._meta.concrete_model, row.pk) in ignored or len(found) >= limit:
                continue
            found.append(_describe(row))
        if len(found) >= limit:
            break
    return found


def is_referenced(obj):
    return bool(references_to(obj, limit=1))


def refuse_delete_if_referenced(obj, references=None):
    """Raise a ValidationError naming every reference when `obj` is still in use (`references`:
    already found, when the caller gathers them from more than one object)."""
    if references is None:
        references = references_to(obj)
    if references:
        raise ValidationError(
            _("“%(object)s” is in use and cannot be deleted. It is used by: %(references)s.")
            % {"object": obj, "references": "; ".join(str(r) for r in references)},
            code="referenced",
        )
