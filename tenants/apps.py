from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Gemeinden"

    def ready(self) -> None:
        from . import catalog_budget, signals  # noqa: F401

        catalog_budget.connect()
