from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "registry.console"
    label = "console"
    verbose_name = "Staff console"

    def ready(self) -> None:
        from registry.console import checks  # noqa: F401 - registers the deployment checks
