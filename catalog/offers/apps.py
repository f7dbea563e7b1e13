from django.apps import AppConfig


class OffersConfig(AppConfig):
    """The commune-schema half of the catalogue: which services a commune offers, and how."""

    name = "catalog.offers"
    label = "offers"
    verbose_name = "Angebot der Gemeinde"
