from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from accounts.choices import Purpose, Setting
from contacts.models import Contact


class Event(models.Model):
    """A gathering where people are met. A three-day conference is one event."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="events")
    name = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    place = models.CharField(max_length=200, blank=True)
    setting = models.CharField(max_length=8, choices=Setting.choices)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="event_name_not_empty"),
            models.CheckConstraint(condition=Q(setting__in=Setting.values), name="event_setting_valid"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="event_ends_after_start",
            ),
            models.UniqueConstraint(fields=["id", "owner"], name="event_id_owner"),
        ]
        indexes = [
            # Events list, newest first; "today's event" looks up events spanning a date.
            models.Index(fields=["owner", "-start_date"], name="event_owner_start"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("event_detail", args=[self.pk])


class Kind(models.TextChoices):
    MET = "met", "Met"
    CONVERSATION = "conversation", "Conversation"
    CALL = "call", "Call"
    MESSAGE = "message", "Message"
    EMAIL = "email", "Email"
    MEAL = "meal", "Meal"
    OTHER = "other", "Other"


class Interaction(models.Model):
    """A moment with one or more contacts, tagged with its purpose."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interactions")
    occurred_at = models.DateTimeField("when")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CONVERSATION)
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    setting = models.CharField(max_length=8, choices=Setting.choices)
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="interactions"
    )
    contacts = models.ManyToManyField(
        Contact, through="Participation", related_name="interactions", verbose_name="participants"
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="interaction_kind_valid"),
            models.CheckConstraint(condition=Q(purpose__in=Purpose.values), name="interaction_purpose_valid"),
            models.CheckConstraint(condition=Q(setting__in=Setting.values), name="interaction_setting_valid"),
            models.UniqueConstraint(fields=["id", "owner"], name="interaction_id_owner"),
        ]
        indexes = [
            # Dashboards count an owner's interactions by month and purpose.
            models.Index(fields=["owner", "occurred_at", "purpose"], name="interaction_owner_when"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_at:%Y-%m-%d}"


class Participation(models.Model):
    """One contact taking part in one interaction. `owner` is repeated so PostgreSQL can check, with
    composite foreign keys, that contact and interaction belong to the same user."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="participations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="participations")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["interaction", "contact"], name="participation_once"),
        ]
        indexes = [
            # A contact's timeline: their interactions, newest first.
            models.Index(fields=["contact", "interaction"], name="participation_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.interaction_id}"
