"""Invalidate the host → commune cache whenever a commune or a domain changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Commune, Domain
from .routing import invalidate_host_cache


@receiver([post_save, post_delete], sender=Commune)
@receiver([post_save, post_delete], sender=Domain)
def _commune_changed(**kwargs) -> None:
    invalidate_host_cache()
