from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "registry.media"
    label = "media"
    verbose_name = "Content credentials (C2PA)"
