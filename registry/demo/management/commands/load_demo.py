from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from registry.demo.data import load_demo


class Command(BaseCommand):
    help = "Load demo performers, studios, staff and agreements, and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default=settings.REGISTRY_BASE_URL)

    def handle(self, *args, base_url: str, **options):
        if settings.PRODUCTION:
            raise CommandError("Refusing to load demo data with REGISTRY_MODE=production.")
        logins = load_demo()
        w = self.stdout.write
        w(self.style.SUCCESS("Demo data loaded."))
        w("")
        w(f"  Home              {base_url}/")
        w(f"  Staff admin       {base_url}/admin/")
        w(f"  API docs          {base_url}/api/docs/")
        w(f"  The guide         {base_url}/docs/   (built by ./run demo; ./run docs serves it alone)")
        w(f"  Readiness         {base_url}/readyz")
        w("")
        w("  Logins (username / password):")
        for username, password, what in logins.users:
            w(f"    {username:<10} {password}   {what}")
        w("")
        w(f"  Studio API keys (new each run; try: curl -H 'Authorization: Bearer KEY' {base_url}/api/v1/me):")
        for studio, secret in logins.api_keys:
            w(f"    {studio}: {secret}")
