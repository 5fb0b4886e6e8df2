"""`manage.py seed_demo`: the demo user's believable year, or benchmark-sized data. demo.seed does the
work; this only reads the options and reports."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from demo.planner import DemoSize
from demo.seed import DEMO_USERNAME, NotADemoUser, demo_user_has_data, seed_demo


def _moment(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date and time: {value!r}") from error
    # A moment without an offset is read as UTC, the same everywhere, so --now gives the same data anywhere.
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=dt.UTC)


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


def _years(value: str) -> float:
    number = float(value)
    if not 0 < number <= 50:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 50")
    return number


class Command(BaseCommand):
    help = (
        "Create (or replace the data of) the demo user, demo/demo, with a believable year of contacts, "
        "events and interactions. Size options build benchmark data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = DemoSize()
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if the demo user already has contacts."
        )
        parser.add_argument("--username", default=DEMO_USERNAME, help="Name of the main user (default demo).")
        parser.add_argument(
            "--users", type=_count, default=0, help="Extra users bench1..benchN with the same sizes."
        )
        parser.add_argument("--contacts", type=_count, default=defaults.contacts, help="Contacts per user.")
        parser.add_argument(
            "--interactions", type=_count, default=defaults.interactions, help="Interactions per user."
        )
        parser.add_argument("--years", type=_years, default=defaults.years, help="Years of history.")
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument("--now", type=_moment, help="Generate relative to this ISO moment, not now.")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        if options["if_empty"] and demo_user_has_data(username):
            self.stdout.write(f"The {username} user already has data; leaving it as it is.")
            return
        if options["interactions"] and not options["contacts"]:
            raise CommandError("Interactions need contacts: --contacts must be at least 1.")
        try:
            summary = seed_demo(
                username=username,
                extra_users=options["users"],
                size=DemoSize(
                    contacts=options["contacts"], interactions=options["interactions"], years=options["years"]
                ),
                seed=options["seed"],
                now=options["now"] or timezone.now(),
            )
        except NotADemoUser as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {len(summary.users)} user(s) ({', '.join(summary.users)}): "
                f"{summary.contacts} contacts, {summary.events} events, {summary.interactions} interactions "
                f"in {summary.seconds:.1f} s. Log in as {username} / demo."
            )
        )
