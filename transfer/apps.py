from django.apps import AppConfig


class TransferConfig(AppConfig):
    """Import, export, backup and merge: they span contacts and interactions, so they sit above both."""

    name = "transfer"
