from django.core.management.base import BaseCommand

from registry.core.actors import Actor
from registry.tokens.models import KeyAlg
from registry.tokens.services import signing_key_rotate


class Command(BaseCommand):
    help = "Generate a new signing key of an algorithm (EdDSA by default) and make it active; the old key retires."

    def add_arguments(self, parser):
        parser.add_argument("--alg", choices=KeyAlg.values, default=KeyAlg.EDDSA)

    def handle(self, *args, **options):
        key = signing_key_rotate(actor=Actor.system("rotate_signing_key"), alg=options["alg"])
        self.stdout.write(self.style.SUCCESS(f"Active signing key: {key.kid}"))
