from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Benutzer"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from . import logins, schema  # noqa: F401  (schema registers the OpenAPI extension)

        user_logged_out.connect(logins.tokens_revoke_at_logout, dispatch_uid="accounts-tokens")
