"""Dog register (AMICUS-like): ``dog_register.register``.
Configuration: ``settings.INTEGRATIONS["dog_register"]``."""
