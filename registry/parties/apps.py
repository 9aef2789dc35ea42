from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PartiesConfig(AppConfig):
    name = "registry.parties"
    label = "parties"
    verbose_name = "Parties"

    def ready(self) -> None:
        from registry.parties import roles

        # Groups need the permissions that exist only after every app has migrated.
        post_migrate.connect(roles.sync_staff_groups_after_migrate, sender=self)
