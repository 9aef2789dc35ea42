from django.core.management.base import BaseCommand, CommandError

from registry.core.actors import Actor
from registry.core.errors import DomainError
from registry.tokens.services import signing_key_compromise


class Command(BaseCommand):
    help = "Mark a signing key compromised: unpublish it, invalidate its tokens, re-issue live ones."

    def add_arguments(self, parser):
        parser.add_argument("kid")

    def handle(self, *args, kid: str, **options):
        try:
            count = signing_key_compromise(kid=kid, actor=Actor.system("compromise_signing_key"))
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Key {kid} marked compromised; {count} token(s) re-issued."))
