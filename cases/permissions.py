"""Who may see and work on which case (django-guardian object permissions).

- a resident: only their own cases (as applicant);
- a clerk: the cases on which one of their groups (or they personally) hold ``view_case`` —
  granted to the groups responsible for the steps when the case is submitted;
- a commune administrator: every case of the commune.
"""

from __future__ import annotations

from accounts.models import User

from .models import Case


def is_backoffice_user(user: User) -> bool:
    return bool(
        user.is_authenticated and user.is_active and user.role in (User.Role.CLERK, User.Role.ADMIN)
    )


def is_commune_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == User.Role.ADMIN)


def can_view_in_backoffice(*, user: User, case: Case) -> bool:
    if not is_backoffice_user(user):
        return False
    return is_commune_admin(user) or user.has_perm("cases.view_case", case)


def can_work_on(*, user: User, case: Case) -> bool:
    """Whether ``user`` may act on the case in the back office (assign, decide, note …)."""
    if not is_backoffice_user(user):
        return False
    return is_commune_admin(user) or user.has_perm("cases.change_case", case)
