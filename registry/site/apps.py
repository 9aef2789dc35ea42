from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The site around the product: the front page, health checks, problem-type pages and the
    error handlers."""

    name = "registry.site"
    label = "site"
    verbose_name = "Site"
