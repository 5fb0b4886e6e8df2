"""Pages about contacts alone: the contacts list with search, filters and bulk changes; editing a contact;
its intention and circle in place; archive and delete; the duplicate lookup. The contact page, which shows
interactions too, lives in the interactions app."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from accounts.choices import Circle, Intention
from accounts.keyset import count_capped, keyset_page_or_first
from accounts.ownership import get_owned_or_404
from accounts.pages import AuthenticatedHttpRequest, next_url, parse_id, render_page, wants_partial
from contacts.actions import (
    BulkAction,
    contact_archive,
    contact_delete,
    contact_save,
    contact_set_emails,
    contact_set_phones,
    contact_set_tags,
    contact_update,
    contacts_bulk_change,
)
from contacts.forms import BulkChangeForm, ContactForm, ContactListForm, MyCardForm, RelationshipForm
from contacts.models import Contact
from contacts.mycard import my_card_get, my_card_svg
from contacts.queries import contact_duplicates, contact_health_on, contacts_listed
from contacts.text import search_words

CONTACTS_PER_PAGE = 25
# Above this many, the list says "1,000+ contacts" instead of counting every row on every page.
COUNT_CAP = 1000
# A search counts to fewer. Counting to a cap reads rows until that many match, cap / (the share that
# matches) of them: about 7,000 for a word one contact in seven holds, more than the rest of the page reads,
# and a search is asked for again as the user types. "100+ contacts matching" tells them to narrow it too.
SEARCH_COUNT_CAP = 100


@login_required
def contact_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Search, filter, sort and page the user's contacts. Every choice lives in the query string, so back,
    reload and a shared link show the same list; htmx asks for the results alone as the user types."""
    user = request.user
    form = ContactListForm(user, request.GET)
    filters = form.filters()
    today = timezone.localdate()
    listed = contacts_listed(user, filters, today)
    page = keyset_page_or_first(listed, request.GET.get("cursor"), CONTACTS_PER_PAGE)
    table, zone = user.cadence_table(), user.zone
    tag_link = _tag_links(request)
    rows = [
        (
            contact,
            contact_health_on(contact, table, zone, today),
            [(tag, tag_link(tag.pk)) for tag in contact.tags.all()],
        )
        for contact in page.items
    ]
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "total": count_capped(listed, SEARCH_COUNT_CAP if search_words(filters.query) else COUNT_CAP, page),
        "today": today,
        "rows": rows,
        # Cards made on a phone (CardDAV) wait here, reminders paused, until the user sets their intention.
        "from_phone": Contact.objects.filter(owner=user, new_from_phone=True, archived_at__isnull=True)[:20],
        "bulk_actions": BulkAction,
        "intentions": Intention.choices,
        "circles": Circle.choices,
    }
    return render_page(request, "contacts/contact_list.html", context, partial="results")


def _tag_links(request: AuthenticatedHttpRequest) -> Callable[[int], str]:
    """The list filtered by a tag, keeping the search and the other filters, as `{% querystring tag=pk
    cursor=None %}` writes it: each address made once here rather than once per tag shown in the template."""
    query = request.GET.copy()
    query.pop("cursor", None)
    links: dict[int, str] = {}

    def link(pk: int) -> str:
        if pk not in links:
            query["tag"] = str(pk)
            links[pk] = f"?{query.urlencode()}"
        return links[pk]

    return link


@login_required
@require_POST
def contacts_bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Apply one change to the ticked contacts, then go back to the list as it was."""
    back = next_url(request, reverse("contact_list"))
    form = BulkChangeForm(request.user, request.POST)
    if not form.is_valid():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        messages.error(request, "Nothing changed: " + " ".join(problems))
        return redirect(back)
    action = form.cleaned_data["action"]
    count = contacts_bulk_change(
        request.user, [c.pk for c in form.cleaned_data["contacts"]], action, form.value().strip()
    )
    label = dict(BulkAction.choices)[action]
    value = form.value()
    if action == BulkAction.SET_INTENTION:
        value = Intention(value).label
    elif action == BulkAction.SET_CIRCLE:
        value = Circle(value).label
    detail = f" “{value}”" if value else ""
    messages.success(request, f"{label}{detail}: {count} of {len(form.cleaned_data['contacts'])} changed.")
    return redirect(back)


@login_required
def contact_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every detail of a contact in one form; plain POST and redirect, no JavaScript needed."""
    contact = get_owned_or_404(
        Contact.objects.prefetch_related("tags", "emails", "phones"), request.user, pk=pk
    )
    if request.method == "POST":
        form = ContactForm(request.POST, instance=contact)
        if form.is_valid():
            with transaction.atomic():
                contact_save(form.save(commit=False), form.changed_data)
                contact_set_emails(contact, form.cleaned_data["emails"])
                contact_set_phones(contact, form.cleaned_data["phones"])
                contact_set_tags(contact, form.cleaned_data["tags"])
            messages.success(request, f"Saved {contact.display_name}.")
            return redirect(contact)
        # The instance now carries the rejected values; the page header must show the saved name.
        contact.refresh_from_db(fields=["display_name"])
    else:
        form = ContactForm(instance=contact)
    return render(request, "contacts/contact_form.html", {"contact": contact, "form": form})


@login_required
def contact_relationship(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Intention and circle, changed in place on the contact page (htmx posts on change and gets the
    fragment back); without JavaScript the form posts and returns to the contact page."""
    contact = get_owned_or_404(Contact, request.user, pk=pk)
    saved = False
    if request.method == "POST":
        form = RelationshipForm(request.POST, instance=Contact.objects.get(pk=contact.pk))
        if form.is_valid():
            contact = contact_update(contact, **form.cleaned_data)
            if not wants_partial(request):
                messages.success(request, f"Saved {contact.display_name}'s intention and circle.")
                return redirect(next_url(request, contact.get_absolute_url()))
            form, saved = RelationshipForm(instance=contact), True
    else:
        form = RelationshipForm(instance=contact)
    user = request.user
    health = contact_health_on(contact, user.cadence_table(), user.zone, timezone.localdate())
    context = {"contact": contact, "form": form, "health": health, "saved": saved}
    response = render_page(request, "contacts/contact_relationship.html", context, partial="relationship")
    if saved:
        # A new intention or circle re-plans the follow-ups: the contact page's header line about the next one
        # fetches itself again on this event (templates/interactions/contact_detail.html).
        trigger_client_event(response, "followups-changed")
    return response


@login_required
def contact_archive_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST archives (archive=1) or brings the contact back (archive=0)."""
    contact = get_owned_or_404(Contact, request.user, pk=pk)
    if request.method == "POST":
        archived = request.POST.get("archive") != "0"
        contact_archive(contact, archived=archived)
        if archived:
            messages.success(request, f"Archived {contact.display_name}: no reminders, history kept.")
        else:
            messages.success(request, f"{contact.display_name} is back among your contacts.")
        return redirect(contact)
    return render(request, "contacts/contact_confirm.html", {"contact": contact, "action": "archive"})


@login_required
def contact_delete_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes the contact and the interactions that were theirs alone."""
    contact = get_owned_or_404(Contact, request.user, pk=pk)
    if request.method == "POST":
        name = contact.display_name
        contact_delete(contact)
        messages.success(request, f"Deleted {name}.")
        return redirect("contact_list")
    return render(request, "contacts/contact_confirm.html", {"contact": contact, "action": "delete"})


@login_required
@require_GET
def contact_duplicates_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The inline warning about likely duplicates of the person being typed (same email, similar name).
    `choose=1` adds the buttons of the capture screen: same person, or a new one."""
    matches = contact_duplicates(
        request.user,
        name=request.GET.get("name", "")[:200],
        email=request.GET.get("email", "")[:254],
        exclude_id=parse_id(request.GET.get("exclude")),
    )
    context = {"duplicates": matches, "choose": request.GET.get("choose") == "1"}
    return render(request, "contacts/_duplicates.html", context)


# My card ----------------------------------------------------------------------------------------------------


@login_required
@require_GET
def my_card(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's card as a QR code (a vCard) to show across a table; the service worker keeps it offline."""
    card = my_card_get(request.user)
    qr = None if card.is_empty else mark_safe(my_card_svg(card))  # segno's own markup: no user text unescaped
    return render(request, "contacts/my_card.html", {"card": card, "qr": qr})


@login_required
def my_card_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    card = my_card_get(request.user)
    form = MyCardForm(request.POST or None, instance=card)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Saved your card.")
        return redirect("my_card")
    return render(request, "contacts/my_card_form.html", {"form": form})
