from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"

    def ready(self) -> None:
        from . import actors  # noqa: F401  (declares the actors: services send them by name)
        from .automation import handlers  # noqa: F401  (registers the step handlers)
