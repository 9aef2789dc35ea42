from django.apps import AppConfig


class TermsConfig(AppConfig):
    name = "registry.terms"
    label = "terms"
    verbose_name = "Agreements and terms"
