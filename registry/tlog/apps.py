from django.apps import AppConfig


class TlogConfig(AppConfig):
    name = "registry.tlog"
    label = "tlog"
    verbose_name = "Transparency log"
