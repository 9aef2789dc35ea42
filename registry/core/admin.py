"""Admin pieces every domain's admin shares."""


class ReadOnlyAdminMixin:
    """Signed records change only through services: staff may look, never edit or delete."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
