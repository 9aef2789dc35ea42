"""Sign a generated media file's content credentials for a grant, as POST /api/v1/media/sign does."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.consent.models import ConsentGrant
from registry.core.actors import Actor
from registry.core.errors import DomainError
from registry.core.limits import MEDIA_UPLOAD_MAX_BYTES, MEDIA_UPLOAD_MAX_TEXT
from registry.media.services import media_sign


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("grant", help="the grant's id (cgr_…)")
        parser.add_argument("source", type=Path, help="the PNG, JPEG, WAV or MP4 file")
        parser.add_argument("output", type=Path, help="where to write the signed file")
        parser.add_argument("--use", help="the use the file is for (the grant's own by default)")
        parser.add_argument("--media", action="append", default=[], help="a medium or platform; repeat for more")

    def handle(self, *args, grant, source, output, use, media, **options):
        found = ConsentGrant.objects.filter(public_id=grant).first()
        if found is None:
            raise CommandError(f"No grant has the id {grant}.")
        if source.stat().st_size > MEDIA_UPLOAD_MAX_BYTES:
            raise CommandError(f"Media files are limited to {MEDIA_UPLOAD_MAX_TEXT}.")
        try:
            signed, record = media_sign(
                grant=found, data=source.read_bytes(), use=use, media=media, actor=Actor.system("sign_media")
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        output.write_bytes(signed)
        self.stdout.write(self.style.SUCCESS(f"Wrote {output} ({record.mime_type}); credential {record.public_id}."))
