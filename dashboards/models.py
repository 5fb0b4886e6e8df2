"""What the dashboards keep so that their cost does not grow with the data.

`EventPerson`: one row per person met at an event, per purpose of the meetings, with what the events'
outcomes ask of them (dashboards.queries.events_outcomes): when they were first met there, whether they were
followed up since, whether they may have become lasting, the day their clock of that purpose lapses and
whether they are archived. dashboards.event_people keeps a contact's rows in step whenever its meetings, its
timeline summary or its clock are written; the Events lists then read one narrow index of this table
instead of every meeting with its person's row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.choices import Purpose
from contacts.models import Contact
from interactions.models import Event


class EventPerson(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    # The earliest `met` interaction of `purpose` with the contact at the event.
    first_met_at = models.DateTimeField()
    # The contact's latest interaction of `purpose` came after that meeting.
    followed_up = models.BooleanField()
    # The one before the latest did too: lasting while the clock of `purpose` has not lapsed (`lapsed_on`).
    lasting = models.BooleanField()
    lapsed_on = models.DateField(null=True)
    active = models.BooleanField(help_text="Not archived.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "contact", "purpose"], name="event_person_once"),
        ]
        indexes = [
            # Everything events_outcomes counts, read from the index alone.
            models.Index(
                fields=["owner", "purpose", "active", "event", "followed_up", "lasting", "lapsed_on"],
                name="event_person_outcomes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} met at {self.event_id} ({self.purpose})"
