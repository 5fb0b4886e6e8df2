"""`manage.py reset_2fa --user NAME`: turn a user's two-factor login off, for an operator whose user lost
their phone and their recovery codes. The user then logs in with their password alone and can turn it on
again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.twofactor import two_factor_disable


class Command(BaseCommand):
    help = "Remove a user's authenticator app and recovery codes, so they log in with their password alone."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, metavar="NAME", help="the username")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["user"]
        try:
            user = User.objects.get_by_natural_key(name)
        except User.DoesNotExist as error:
            raise CommandError(f"There is no user named {name!r}; nothing was changed.") from error
        apps, codes = two_factor_disable(user)
        if not apps and not codes:
            self.stdout.write(f"{user.username} had no two-factor login; nothing was changed.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Turned off two-factor login for {user.username}: removed {apps} authenticator app"
                f"{'s' if apps != 1 else ''} and {codes} unused recovery code{'s' if codes != 1 else ''}. "
                "They can log in with their password alone and turn it on again in Settings."
            )
        )
