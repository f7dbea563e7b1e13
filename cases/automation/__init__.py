"""Handlers of the automated steps: they translate a ``StepCall`` into the integrations'
adapters (resident register, dog register, QR-bill, certificate PDF) and back.

``cases.apps.CasesConfig.ready`` imports ``cases.automation.handlers``, which registers them.
"""
