"""schemathesis over the whole OpenAPI schema, in-process against the WSGI app: every operation, with a write
token of a seeded account whose rate limit is raised for the run, schemathesis' own checks (all of them, as
configured by default) and a bounded number of examples, so that the run fits in CI's minutes."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from api.models import Scope
from api.tokens import token_create
from config.wsgi import application
from tests.factories import (
    ContactFactory,
    EventFactory,
    FollowUpFactory,
    InteractionFactory,
    TagFactory,
    UserFactory,
)

EXAMPLES = 20


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django closes the database connection at the end of each request; inside a test's transaction that
    would lose it. Django's own test client disconnects the same receivers."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded_token(db, settings):
    settings.API_RATE_LIMIT = 1_000_000
    user = UserFactory(username="fuzz")
    tag = TagFactory(owner=user, name="climbing")
    for i in range(3):
        contact = ContactFactory(owner=user, display_name=f"Seed {i}")
        contact.tags.add(tag)
        FollowUpFactory(contact=contact)
    event = EventFactory(owner=user)
    InteractionFactory(owner=user, event=event, contacts=[contact])
    return token_create(user, "schemathesis", Scope.WRITE)[1]


# Loaded once at collection: the schema view reads no database.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_schema(case, seeded_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {seeded_token}"})
