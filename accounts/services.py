"""Writes on users of the current schema (a commune's, or public for cantonal staff)."""

from __future__ import annotations

from django.db import transaction

from .models import User


@transaction.atomic
def user_upsert(
    *,
    email: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
) -> tuple[User, bool]:
    """Create or update a user; running it twice with the same arguments changes nothing."""
    if role not in User.Role.values:
        raise ValueError(f"Unbekannte Rolle {role!r}: erlaubt sind {', '.join(User.Role.values)}.")
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email=email).first()
    created = user is None
    if created:
        user = User(email=email)
    user.role = role
    user.first_name = first_name or user.first_name
    user.last_name = last_name or user.last_name
    user.is_staff = role in (User.Role.ADMIN, User.Role.CANTON)
    user.is_superuser = role in (User.Role.ADMIN, User.Role.CANTON)
    user.is_active = True
    if created or not user.check_password(password):
        user.set_password(password)
    user.save()
    return user, created
