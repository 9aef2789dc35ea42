from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "registry.privacy"
    label = "privacy"
    verbose_name = "Privacy: export and erasure"
