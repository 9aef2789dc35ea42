"""Make a development C2PA certificate chain for this registry: a root and a signing certificate
(P-256), written where C2PA_CERT_CHAIN_FILE and C2PA_PRIVATE_KEY_FILE point. In production, use a
certificate from an authority on the C2PA trust list instead."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from registry.media.certificates import certificate_chain, pem, private_pem


class Command(BaseCommand):
    help = __doc__.split("\n")[0]

    def add_arguments(self, parser):
        parser.add_argument("--organisation", default="Performer Consent Registry (development)")
        parser.add_argument("--force", action="store_true", help="replace an existing chain and key")

    def handle(self, *args, **options):
        chain_file, key_file = Path(settings.C2PA_CERT_CHAIN_FILE), Path(settings.C2PA_PRIVATE_KEY_FILE)
        if (chain_file.exists() or key_file.exists()) and not options["force"]:
            raise CommandError(f"{chain_file} or {key_file} exists; pass --force to replace them.")
        root, _, leaf, leaf_key = certificate_chain(organisation=options["organisation"], now=timezone.now())
        chain_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.parent.mkdir(parents=True, exist_ok=True)
        chain_file.write_text(pem(leaf, root))
        key_file.touch(mode=0o600)
        key_file.write_bytes(private_pem(leaf_key))
        self.stdout.write(self.style.SUCCESS(f"Wrote {chain_file} (signing certificate and root) and {key_file}."))
