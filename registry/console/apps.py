from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "registry.console"
    label = "console"
    verbose_name = "Staff console"
