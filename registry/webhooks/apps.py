from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "registry.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from registry.consent.services import register_grant_change_hook
        from registry.webhooks.events import on_grant_change

        # Grant status changes reach webhooks inside the grant's transaction, like tokens.
        register_grant_change_hook(on_grant_change)
