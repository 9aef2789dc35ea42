from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "registry.outbox"
    label = "outbox"
    verbose_name = "Outbox"
