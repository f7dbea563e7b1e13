from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Schnittstellen"

    def ready(self) -> None:
        from django.conf import settings
        from django.core.signals import setting_changed

        from integrations import checks  # noqa: F401  (registers the system check)
        from integrations.registry import registry

        registry.load(getattr(settings, "INTEGRATION_ADAPTERS", []))

        def reset(*, setting, **kwargs):
            if setting == "INTEGRATIONS":
                registry.reset()

        setting_changed.connect(reset, weak=False, dispatch_uid="integrations.reset")
