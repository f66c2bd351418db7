"""`manage.py verify_ledger [--township CODE] [--files]`: recompute every ready township's chain.

Prints one line per township; exits with status 1 when any township's ledger is broken.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from scoring.ledger.verify import ledger_verify
from tenants.townships.selectors import township_list_ready


class Command(BaseCommand):
    help = "Recompute the hash chain of each ready township's ledger and report the first broken link."

    def add_arguments(self, parser):
        parser.add_argument("--township", metavar="CODE", help="Only this township.")
        parser.add_argument("--files", action="store_true", help="Also re-hash every evidence file.")

    def handle(self, *args, township=None, files=False, **options):
        townships = township_list_ready()
        if township:
            townships = townships.filter(code=township)
            if not townships.exists():
                raise CommandError(f"no ready township with code {township!r}")
        broken = []
        for item in townships:
            with tenant_context(item):
                result = ledger_verify(check_files=files)
            line = f"{item.code}: {'ok' if result.ok else 'BROKEN'} · {result.checked} · {result.reason}"
            if result.ok:
                self.stdout.write(self.style.SUCCESS(line))
            else:
                self.stdout.write(self.style.ERROR(line))
                broken.append(item.code)
        if broken:
            raise CommandError(f"broken ledger in: {', '.join(broken)}", returncode=1)
