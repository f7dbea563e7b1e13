from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"

    def ready(self) -> None:
        from .automation import handlers  # noqa: F401  (registers the step handlers)
