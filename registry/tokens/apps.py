from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "registry.tokens"
    label = "tokens"
    verbose_name = "Consent tokens"
