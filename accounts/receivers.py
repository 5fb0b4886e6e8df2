"""What accounts does when Django's auth signals fire: record each login, and queue the new-device email."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models.signals import post_migrate
from django.http import HttpRequest

from accounts.confirmations import address_alerts
from accounts.database import database_analyze
from accounts.devices import login_record
from accounts.models import User
from accounts.tasks import send_new_device_email


def login_recorded(sender: object, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """`user_logged_in`: record the login; one from a new device is told to the user by email, when they
    have a confirmed address, once this request's transaction has committed."""
    if request is None:
        return
    record = login_record(user, request)
    if record.new_device and address_alerts(user):
        transaction.on_commit(partial(send_new_device_email.delay, record.pk))


def migrated(sender: AppConfig, using: str, **kwargs: Any) -> None:
    """`post_migrate`, sent once per app after every migration has run: statistics once, for accounts."""
    if sender.name == "accounts":
        database_analyze(using=using)


def connect() -> None:
    user_logged_in.connect(login_recorded, dispatch_uid="accounts.login_recorded")
    post_migrate.connect(migrated, dispatch_uid="accounts.migrated")
