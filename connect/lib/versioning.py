"""Version counters raised only by ``UPDATE ... SET version = version + 1``.

provisioning serves a stored configuration file only while the versions it was rendered at are
still current (devices.Phone.config_version, provisioning.Ticket.config_version). An ordinary
``save()`` writes every field, so saving an instance loaded before a version was raised would
write the older value back and make a stale file current again. Models with such counters mix
this in: a save of a loaded instance writes every field except the counters.
"""


class RaisedVersionsMixin:
    raised_version_fields = ()

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.raised_version_fields
            ]
        return super().save(*args, **kwargs)
