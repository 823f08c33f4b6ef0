"""Reads of function numbers."""

from functionnumbers.layouts import layout_for


def function_numbers_of_kind(organisation, kind):
    """The organisation's function numbers of one type, as the type's model, for its list page."""
    layout = layout_for(kind)
    return (
        layout.model._default_manager.for_organisation(organisation)
        .filter(kind=kind)
        .select_related("number")
        .order_by("number__kind", "number__value")
    )
