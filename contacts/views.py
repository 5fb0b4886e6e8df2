from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.ownership import get_owned_or_404
from contacts.models import Contact


@login_required
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_owned_or_404(
        Contact.objects.prefetch_related("tags", "emails", "phones"), request.user, pk=pk
    )
    return render(request, "contacts/contact_detail.html", {"contact": contact})
