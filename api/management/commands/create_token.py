"""python manage.py create_token --user NAME [--scope read|write] [--name LABEL]: print a new token once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from api.models import AccessToken, Scope
from api.tokens import token_create


class Command(BaseCommand):
    help = "Make a personal access token for the API and print it (once: only its hash is kept)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="The username the token acts as.")
        parser.add_argument("--scope", choices=Scope.values, default=Scope.READ)
        parser.add_argument("--name", default="Command line", help="A label shown in Settings.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user named {options['user']!r}.")
        name = " ".join(options["name"].split())
        if not name or len(name) > AccessToken._meta.get_field("name").max_length:  # type: ignore[operator]
            raise CommandError("Give the token a name of 1 to 100 characters.")
        token, raw = token_create(user, name, options["scope"])
        self.stderr.write(
            f"Made {token.get_scope_display().lower()} token “{token.name}” for {user.username}."
        )
        self.stdout.write(raw)
