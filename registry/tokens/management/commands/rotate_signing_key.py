from django.core.management.base import BaseCommand

from registry.core.actors import Actor
from registry.tokens.services import signing_key_rotate


class Command(BaseCommand):
    help = "Generate a new Ed25519 signing key and make it active; the old key retires."

    def handle(self, *args, **options):
        key = signing_key_rotate(actor=Actor.system("rotate_signing_key"))
        self.stdout.write(self.style.SUCCESS(f"Active signing key: {key.kid}"))
