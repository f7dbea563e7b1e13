from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Benutzer"

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_out

        from . import (  # noqa: F401
            actors,  # declares the account mail job: services send it by name (accounts.mails)
            lockout,
            logins,
            schema,  # registers the OpenAPI extension
        )

        user_logged_out.connect(logins.tokens_revoke_at_logout, dispatch_uid="accounts-tokens")
        user_locked_out.connect(lockout.lockout_notice, dispatch_uid="accounts-lockout-notice")
