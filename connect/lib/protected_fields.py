"""Fields an ordinary ``save()`` never writes back.

provisioning serves a stored configuration file only while the versions it was rendered at are
still current (devices.Phone.config_version, provisioning.Ticket.config_version), and a renewed
ticket must never come back. These are changed only by ``UPDATE ... SET version = version + 1``
or by a save that names them in ``update_fields``. An ordinary ``save()`` writes every field, so
saving an instance loaded before such a change would write the older value back: a stale file
would be current again, or a revoked ticket valid. Models mix this in and list the fields in
``protected_fields``; a save of a loaded instance then writes every other loaded field.
"""


class ProtectedFieldsMixin:
    protected_fields = ()

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.protected_fields and field.attname not in deferred
            ]
        return super().save(*args, **kwargs)
