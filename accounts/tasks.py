"""Celery tasks: thin wrappers around what accounts sends by email, run by the worker so that a request
never does work that depends on whether an address belongs to an account, and around deleting an account,
which takes longer than a request may live (accounts.deletion)."""

from __future__ import annotations

from functools import partial

from celery import shared_task
from django.contrib.auth.forms import PasswordResetForm
from django.db import OperationalError, transaction

from accounts.confirmations import confirmation_send, confirmations_send_due
from accounts.database import database_analyze
from accounts.deletion import account_delete, account_deletions_due
from accounts.devices import new_device_email_send


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, retry_backoff_max=120, max_retries=5)
def send_password_reset(email: str, domain: str, use_https: bool) -> str:
    """Django's password reset email, with a link to `domain`, to each active user of `email` who has a
    usable password (PasswordResetForm.get_users); nothing at all for an address no account uses. The
    summary says no more than the visitor was told, so worker logs do not list which addresses matched."""
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return "password reset: not an email address"
    form.save(domain_override=domain, use_https=use_https, extra_email_context={"site_name": "Kith"})
    return "password reset: handled"


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, retry_backoff_max=120, max_retries=5)
def send_address_confirmation(confirmation_id: int) -> str:
    """The confirmation email of one address, if it is still due and this worker wins its claim."""
    return f"confirmation {confirmation_id}: {confirmation_send(confirmation_id)}"


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, retry_backoff_max=120, max_retries=5)
def send_due_confirmations() -> str:
    """The beat tick: the confirmation emails still due (a lost task's, migration 0006's)."""
    return f"confirmations: {confirmations_send_due()}"


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, retry_backoff_max=120, max_retries=5)
def send_new_device_email(login_id: int) -> str:
    """Tell a user about a login from a new device."""
    return f"login {login_id}: {new_device_email_send(login_id)}"


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, retry_backoff_max=120, max_retries=5)
def analyze_database() -> str:
    """Daily: fresh planner statistics on SQLite, where nothing else keeps them (accounts.database)."""
    database_analyze()
    return "analysed"


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, retry_backoff_max=120, max_retries=5)
def delete_account(user_id: int) -> str:
    """Delete an account its owner asked to delete, and everything in it (accounts.deletion); a second run
    does nothing."""
    return f"account {user_id}: {account_delete(user_id)}"


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, retry_backoff_max=120, max_retries=5)
def delete_requested_accounts() -> str:
    """The beat sweep: queue again the deletions a lost task or a dead worker left undone."""
    ids = account_deletions_due()
    for user_id in ids:
        transaction.on_commit(partial(delete_account.delay, user_id))
    return f"queued {len(ids)} account deletion(s)"
