from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save


class PartiesConfig(AppConfig):
    name = "registry.parties"
    label = "parties"
    verbose_name = "Parties"

    def ready(self) -> None:
        from registry.parties import roles
        from registry.parties.models import ApiKey, Studio
        from registry.parties.services import forget_recent_keys

        # Groups need the permissions that exist only after every app has migrated.
        post_migrate.connect(roles.sync_staff_groups_after_migrate, sender=self)
        # A changed key or studio (revoked, suspended, rescoped, even from the admin) must not be
        # served from this process's cache of recently authenticated keys.
        post_save.connect(forget_recent_keys, sender=ApiKey, dispatch_uid="forget_recent_keys_apikey")
        post_save.connect(forget_recent_keys, sender=Studio, dispatch_uid="forget_recent_keys_studio")
