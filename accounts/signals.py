"""Signals the accounts app sends, so the apps built on it can react without accounts importing them.

`settings_changed` is sent after a user saved their settings (`User.settings_save`), with `user` and
`changed`, the frozenset of field names that changed. The interactions app re-plans the user's follow-ups
when one of `PLANNING_FIELDS` is among them; the contacts app re-normalises the user's phone numbers when
`phone_region` is.

`sessions_ended` is sent, with `user`, when the user logged out everywhere (`User.sessions_end_all`): the api
app revokes their access tokens, which would otherwise outlive the sessions an intruder was shut out of.
"""

from __future__ import annotations

from django.dispatch import Signal

from accounts.choices import Circle, Purpose

settings_changed = Signal()
sessions_ended = Signal()

# The user settings that move follow-up due dates: local dates follow the time zone, and the cadence
# defaults decide when each clock is due.
PLANNING_FIELDS = frozenset(
    {"time_zone", *(f"{purpose}_{circle}_days" for purpose in Purpose.values for circle in Circle.values)}
)
