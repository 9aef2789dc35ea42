from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "registry.billing"
    label = "billing"
    verbose_name = "Billing"
