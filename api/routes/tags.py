"""/api/v1/tags: the tags with how many contacts carry each, and creating, renaming and deleting them
through contacts.actions. A contact's own tags are set on the contact (`tags` in its PATCH)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from accounts.models import User
from accounts.ownership import get_owned_or_404, owned
from api.http import READ_LIST, READ_ONE, WRITE, WRITE_IF_MATCH, Id, check_if_match, conditional_get, written
from api.problems import Problem, field_problem
from api.routes.contacts import _user
from api.schemas import TagIn, TagList, TagOut
from contacts.actions import TagTaken, tag_create, tag_delete, tag_rename
from contacts.models import Tag

router = Router(tags=["tags"])

TAKEN = {409: Problem}


def _tags(user: User) -> Any:
    return owned(Tag, user).annotate(count=Count("contacts"))


def _locked(user: User, pk: int) -> Tag:
    """The owner's tag with its count, its row locked until the transaction ends (a row lock cannot go on
    an aggregate query, so it is taken first), so that two writes with the same If-Match cannot both pass."""
    get_owned_or_404(Tag.objects.select_for_update(), user, pk=pk)
    return _tags(user).get(pk=pk)


def _tag_out(tag: Tag) -> TagOut:
    return TagOut(id=tag.pk, name=tag.name, contacts=tag.count)  # type: ignore[attr-defined]


def _taken(name: str) -> Exception:
    return field_problem("name", f"You have a tag called “{name}” already.", 409)


@router.get("/tags", response={200: TagList, **READ_LIST}, operation_id="tags_list", summary="List tags")
def tags_list(request: HttpRequest, response: HttpResponse) -> Any:
    """Every tag, with how many contacts carry it."""
    tags = _tags(_user(request)).order_by("name_folded", "id")
    return conditional_get(request, response, TagList(items=[_tag_out(t) for t in tags]))


@router.get("/tags/{tag_id}", response={200: TagOut, **READ_ONE}, operation_id="tag_get", summary="Get a tag")
def tag_get(request: HttpRequest, response: HttpResponse, tag_id: Id) -> Any:
    user = _user(request)
    return conditional_get(request, response, _tag_out(get_owned_or_404(_tags(user), user, pk=tag_id)))


@router.post(
    "/tags", response={201: TagOut, **WRITE, **TAKEN}, operation_id="tag_create", summary="Create a tag"
)
def tag_create_route(request: HttpRequest, payload: TagIn) -> Any:
    user = _user(request)
    try:
        tag = tag_create(user, payload.name)
    except TagTaken as taken:
        raise _taken(str(taken)) from None
    return Status(201, _tag_out(_tags(user).get(pk=tag.pk)))


@router.patch(
    "/tags/{tag_id}",
    response={200: TagOut, **WRITE_IF_MATCH, **TAKEN},
    operation_id="tag_rename",
    summary="Rename a tag",
)
def tag_rename_route(request: HttpRequest, response: HttpResponse, tag_id: Id, payload: TagIn) -> Any:
    user = _user(request)
    with transaction.atomic():
        tag = _locked(user, tag_id)
        check_if_match(request, _tag_out(tag))
        try:
            tag_rename(tag, payload.name)
        except TagTaken as taken:
            raise _taken(str(taken)) from None
    return Status(200, written(response, _tag_out(_tags(user).get(pk=tag_id))))


@router.delete(
    "/tags/{tag_id}",
    response={204: None, **WRITE_IF_MATCH},
    operation_id="tag_delete",
    summary="Delete a tag",
)
def tag_delete_route(request: HttpRequest, tag_id: Id) -> Any:
    """Delete the tag; the contacts that carried it stay."""
    user = _user(request)
    with transaction.atomic():
        tag = _locked(user, tag_id)
        check_if_match(request, _tag_out(tag))
        tag_delete(tag)
    return Status(204, None)
