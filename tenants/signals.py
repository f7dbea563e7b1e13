"""Invalidate the host → commune cache (and what processes keep per commune, ``tenants.routing``)
whenever a commune, a domain or a commune's configuration changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Commune, CommuneConfig, Domain
from .routing import invalidate_host_cache


@receiver([post_save, post_delete], sender=Commune)
@receiver([post_save, post_delete], sender=Domain)
@receiver([post_save, post_delete], sender=CommuneConfig)
def _commune_changed(**kwargs) -> None:
    invalidate_host_cache()
