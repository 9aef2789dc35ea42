from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `./run demo`: built through the product's services, never imported by them."""

    name = "registry.demo"
    label = "demo"
    verbose_name = "Demo data"
