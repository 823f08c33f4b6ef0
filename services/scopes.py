"""A configuration level (SET-1): the organisation, one of its user groups, or one of its users."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

ORGANISATION = "organisation"
GROUP = "group"
USER = "user"


@dataclass(frozen=True)
class Scope:
    organisation: object
    group: object = None
    user: object = None

    def __post_init__(self):
        if self.group is not None and self.user is not None:
            raise ValueError("A scope is the organisation, one group or one user.")
        owner = self.group if self.group is not None else self.user
        if owner is not None and owner.organisation_id != self.organisation.pk:
            raise ValueError("The group or user belongs to another organisation.")

    @property
    def level(self):
        if self.user is not None:
            return USER
        if self.group is not None:
            return GROUP
        return ORGANISATION

    @property
    def is_organisation(self):
        return self.level == ORGANISATION

    @property
    def name(self):
        if self.user is not None:
            return self.user.username
        if self.group is not None:
            return self.group.name
        return self.organisation.name

    @property
    def level_label(self):
        return {ORGANISATION: _("Organisation"), GROUP: _("User group"), USER: _("User")}[self.level]

    def filter_kwargs(self):
        return {"organisation": self.organisation, "group": self.group, "user": self.user}

    def url_kwargs(self):
        if self.user is not None:
            return {"pk": self.user.pk}
        if self.group is not None:
            return {"pk": self.group.pk}
        return {}

    def url_name(self, base="service"):
        """URL name of a per-scope page: `service`, `service_group`, `service_user`."""
        return base if self.is_organisation else f"{base}_{self.level}"
