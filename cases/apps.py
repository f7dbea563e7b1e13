from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"

    def ready(self) -> None:
        from . import (
            actors,  # noqa: F401  (declares the actors: services send them by name)
            actors_exports,  # noqa: F401  (the same for "Meine Daten")
        )
        from .automation import handlers  # noqa: F401  (registers the step handlers)
