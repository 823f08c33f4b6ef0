from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectConfig(AppConfig):
    name = "connect"
    verbose_name = _("Connect")

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_login_failed

        from connect.lib import lookups, securitylog

        lookups.register()  # field__any=values (connect.lib.lookups)

        # Failed sign-ins and lock-outs go to the security log (fail2ban), like provisioning refusals.
        user_login_failed.connect(
            securitylog.on_user_login_failed, dispatch_uid="connect.securitylog.login_failed"
        )
        user_locked_out.connect(
            securitylog.on_user_locked_out, dispatch_uid="connect.securitylog.locked_out"
        )
