"""/api/v1/contacts: the contacts list with its search, filters and sorts, one contact, and writing them
through contacts.actions, as the contacts pages do."""

from __future__ import annotations

from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from accounts.models import User
from accounts.ownership import get_owned_or_404
from api.http import (
    CURSOR_PATTERN,
    READ_LIST,
    READ_ONE,
    WRITE,
    WRITE_IF_MATCH,
    Id,
    check_if_match,
    conditional_get,
    owned_or_field_404,
    page_of,
    written,
)
from api.schemas import NO_NUL, Circle, ContactIn, ContactOut, ContactPage, ContactPatch, Intention
from contacts.actions import (
    contact_archive,
    contact_create,
    contact_delete,
    contact_set_emails,
    contact_set_phones,
    contact_set_tags,
    contact_update,
)
from contacts.models import Contact, Tag
from contacts.queries import ContactFilters, contacts_listed
from contacts.text import MAX_QUERY_LENGTH
from followups.engine import user_today

router = Router(tags=["contacts"])

# Text fields are stripped, as the pages' forms strip them.
_TEXT_FIELDS = ("display_name", "given_name", "family_name", "company", "title", "notes")
_SCALAR_FIELDS = (
    *_TEXT_FIELDS,
    "intention",
    "circle",
    "personal_cadence_days",
    "professional_cadence_days",
    "reminders_paused",
)
# Fields that cannot be empty: null in a PATCH leaves them as they are.
_NOT_NULL = {"display_name", "intention", "given_name", "family_name", "company", "title", "circle", "notes"}
_NOT_NULL |= {"reminders_paused", "archived", "emails", "phones", "tags"}


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def _contacts(user: User) -> Any:
    return Contact.objects.filter(owner=user).prefetch_related("emails", "phones", "tags")


def contact_out(contact: Contact) -> ContactOut:
    return ContactOut(
        id=contact.pk,
        display_name=contact.display_name,
        given_name=contact.given_name,
        family_name=contact.family_name,
        company=contact.company,
        title=contact.title,
        intention=contact.intention,  # type: ignore[arg-type]
        circle=contact.circle,  # type: ignore[arg-type]
        notes=contact.notes,
        personal_cadence_days=contact.personal_cadence_days,
        professional_cadence_days=contact.professional_cadence_days,
        reminders_paused=contact.reminders_paused,
        archived=contact.is_archived,
        archived_at=contact.archived_at,
        birthday_month=contact.birthday_month,
        birthday_day=contact.birthday_day,
        birthday_year=contact.birthday_year,
        emails=[e.address for e in contact.emails.all()],
        phones=[p.number for p in contact.phones.all()],
        tags=sorted(t.name for t in contact.tags.all()),
        last_interaction_at=contact.last_interaction_at,
        next_followup_on=contact.next_followup_on,
        created_at=contact.created_at,
        updated_at=contact.updated_at,
    )


def owned_contact(user: User, pk: int, *, lock: bool = False) -> Contact:
    """The owner's contact; with `lock`, its row stays locked until the transaction ends, so that two
    writes sent with the same If-Match cannot both pass it."""
    queryset = _contacts(user)
    return get_owned_or_404(queryset.select_for_update(of=("self",)) if lock else queryset, user, pk=pk)


class ContactQuery(Schema):
    q: str = Field(
        "", max_length=MAX_QUERY_LENGTH, pattern=NO_NUL, description="Words in name, company, notes or tags."
    )
    intention: Intention | None = None
    circle: Circle | None = None
    health: Literal["recent", "fading", "lapsed"] | None = None
    tag: int | None = Field(None, ge=1, le=2**63 - 1, description="A tag's id.")
    status: Literal["active", "archived", "all"] = "active"
    sort: Literal["name", "last", "due"] = "name"
    cursor: str | None = Field(None, max_length=2000, pattern=CURSOR_PATTERN)
    limit: int = Field(25, ge=1, le=100)


@router.get(
    "/contacts",
    response={200: ContactPage, **READ_LIST},
    operation_id="contacts_list",
    summary="List contacts",
)
def contacts_list(request: HttpRequest, response: HttpResponse, filters: Query[ContactQuery]) -> Any:
    """The contacts list, as the Contacts page searches, filters and sorts it, a page at a time."""
    user = _user(request)
    if filters.tag is not None:
        owned_or_field_404(Tag, user, filters.tag, "tag", "tag")
    listed = contacts_listed(
        user,
        ContactFilters(
            query=filters.q,
            intention=filters.intention or "",
            circle=filters.circle or "",
            health=filters.health or "",
            tag_id=filters.tag,
            status=filters.status,
            sort=filters.sort,
        ),
        user_today(user),
    ).prefetch_related("emails", "phones")
    page = page_of(listed, filters.cursor, filters.limit)
    body = ContactPage(items=[contact_out(c) for c in page.items], next_cursor=page.next_cursor)
    return conditional_get(request, response, body)


@router.get(
    "/contacts/{contact_id}",
    response={200: ContactOut, **READ_ONE},
    operation_id="contact_get",
    summary="Get a contact",
)
def contact_get(request: HttpRequest, response: HttpResponse, contact_id: Id) -> Any:
    return conditional_get(request, response, contact_out(owned_contact(_user(request), contact_id)))


def _scalars(data: dict[str, Any]) -> dict[str, Any]:
    fields = {name: data[name] for name in _SCALAR_FIELDS if name in data}
    return {name: value.strip() if name in _TEXT_FIELDS else value for name, value in fields.items()}


@router.post(
    "/contacts",
    response={201: ContactOut, **WRITE},
    operation_id="contact_create",
    summary="Create a contact",
)
def contact_create_route(request: HttpRequest, payload: ContactIn) -> Any:
    user = _user(request)
    fields = _scalars(payload.model_dump())
    with transaction.atomic():
        contact = contact_create(
            user,
            display_name=fields.pop("display_name"),
            intention=fields.pop("intention"),
            circle=fields.pop("circle"),
            company=fields.pop("company"),
            notes=fields.pop("notes"),
        )
        contact_update(contact, **fields)
        contact_set_emails(contact, payload.emails)
        contact_set_phones(contact, payload.phones)
        contact_set_tags(contact, payload.tags)
    return Status(201, contact_out(owned_contact(user, contact.pk)))


@router.patch(
    "/contacts/{contact_id}",
    response={200: ContactOut, **WRITE_IF_MATCH},
    operation_id="contact_update",
    summary="Change or archive a contact",
)
def contact_update_route(
    request: HttpRequest, response: HttpResponse, contact_id: Id, payload: ContactPatch
) -> Any:
    """Change the fields sent; `archived: true` archives the contact (DELETE deletes it for good)."""
    user = _user(request)
    with transaction.atomic():
        contact = owned_contact(user, contact_id, lock=True)
        check_if_match(request, contact_out(contact))
        data = payload.model_dump(exclude_unset=True)
        data = {k: v for k, v in data.items() if not (v is None and k in _NOT_NULL)}
        if fields := _scalars(data):
            contact_update(contact, **fields)
        if "archived" in data:
            contact_archive(contact, archived=data["archived"])
        if "emails" in data:
            contact_set_emails(contact, data["emails"])
        if "phones" in data:
            contact_set_phones(contact, data["phones"])
        if "tags" in data:
            contact_set_tags(contact, data["tags"])
    return Status(200, written(response, contact_out(owned_contact(user, contact_id))))


@router.delete(
    "/contacts/{contact_id}",
    response={204: None, **WRITE_IF_MATCH},
    operation_id="contact_delete",
    summary="Delete a contact",
)
def contact_delete_route(request: HttpRequest, contact_id: Id) -> Any:
    """Delete the contact for good, with the interactions that were with them alone."""
    with transaction.atomic():
        contact = owned_contact(_user(request), contact_id, lock=True)
        check_if_match(request, contact_out(contact))
        contact_delete(contact)
    return Status(204, None)
