from django.apps import AppConfig


class ResidualsConfig(AppConfig):
    name = "registry.residuals"
    label = "residuals"
    verbose_name = "Residuals: streaming bonus and training licences"
