from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "registry.usage"
    label = "usage"
    verbose_name = "Usage"
