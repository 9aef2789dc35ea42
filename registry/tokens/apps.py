from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "registry.tokens"
    label = "tokens"
    verbose_name = "Consent tokens"

    def ready(self) -> None:
        from registry.consent.services import register_grant_change_hook
        from registry.tokens.services import on_grant_change

        # Every grant status change reaches the token layer inside the same transaction.
        register_grant_change_hook(on_grant_change)
