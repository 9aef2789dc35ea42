"""Union staff roles: `union_admin` acts, `union_analyst` reads everything and changes nothing.

Roles are Django groups whose permissions are recomputed after every migration, so a new
model is covered the moment it exists.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

UNION_ADMIN = "union_admin"
UNION_ANALYST = "union_analyst"
STAFF_ROLES = (UNION_ADMIN, UNION_ANALYST)

# Apps whose models staff administer.
REGISTRY_APP_LABELS = (
    "core",
    "terms",
    "parties",
    "api",
    "audit",
    "consent",
    "tokens",
    "cases",
    "usage",
    "billing",
    "residuals",
    "portal",
    "console",
    # Union admins remove a colleague's lost authenticator; analysts see who has one.
    "otp_totp",
    "webhooks",
    "privacy",
    "outbox",
    "tlog",
)


def sync_staff_groups() -> None:
    registry_perms = Permission.objects.filter(content_type__app_label__in=REGISTRY_APP_LABELS)
    admin_perms = list(registry_perms) + list(
        Permission.objects.filter(content_type__app_label="auth", content_type__model="user")
    )
    analyst_perms = [p for p in admin_perms if p.codename.startswith("view_")]
    admin, _ = Group.objects.get_or_create(name=UNION_ADMIN)
    admin.permissions.set(admin_perms)
    analyst, _ = Group.objects.get_or_create(name=UNION_ANALYST)
    analyst.permissions.set(analyst_perms)


def sync_staff_groups_after_migrate(**kwargs) -> None:
    sync_staff_groups()


def staff_role(user) -> str | None:
    """The staff role of a user, or None. A superuser counts as union_admin."""
    if not getattr(user, "is_authenticated", False) or not user.is_staff:
        return None
    if user.is_superuser:
        return UNION_ADMIN
    names = set(user.groups.values_list("name", flat=True))
    if UNION_ADMIN in names:
        return UNION_ADMIN
    if UNION_ANALYST in names:
        return UNION_ANALYST
    return None
