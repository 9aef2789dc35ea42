from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "registry.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from registry.core import checks  # noqa: F401 - registers the system checks
