from __future__ import annotations

from django.db import models
from django.db.models import Q

from api.models import AccessToken
from contacts.models import Contact


class Books(models.TextChoices):
    """Which address books a phone's app password offers. Apple's Contacts syncs every book an account
    offers (macOS only the first), so a password offering All beside an intention book would show people
    twice there; each phone gets a password for the books it should see."""

    ALL = "all", "All, as one address book"
    INTENTIONS = "intentions", "Friendships and Network, as two address books"
    FRIENDSHIPS = "friendships", "Friendships only"
    NETWORK = "network", "Network only"
    EVERY = "every", "All three (for apps that let you pick, such as DAVx5)"


# The book slugs (dav.store.BOOKS) each choice offers, in the order a client lists them.
BOOKS_OFFERED: dict[str, tuple[str, ...]] = {
    Books.ALL: ("all",),
    Books.INTENTIONS: ("friendships", "network"),
    Books.FRIENDSHIPS: ("friendships",),
    Books.NETWORK: ("network",),
    Books.EVERY: ("all", "friendships", "network"),
}


class SyncPassword(models.Model):
    """An API token made on the Phone sync page as a phone's app password, with the books it offers. A token
    made elsewhere offers every book."""

    token = models.OneToOneField(AccessToken, on_delete=models.CASCADE, related_name="phone_sync")
    books = models.CharField(max_length=12, choices=Books.choices, default=Books.ALL)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(books__in=Books.values), name="syncpassword_books_valid")
        ]

    def __str__(self) -> str:
        return f"{self.token} ({self.get_books_display()})"


class PhoneCard(models.Model):
    """A card as a phone last PUT it, served back to phones byte for byte while Kith's own card for the
    contact is still the one Kith made of it (`fingerprint`, the hash of Kith's vCard 4.0 text right after
    the PUT). Any change in Kith changes Kith's card, and then Kith's card is served (dav.cards.card_served).

    A phone's PUT can then be answered with the ETag of what it sent (RFC 6352, 6.3.2.3: the stored card is
    octet for octet the one sent), so the phone does not download its own card again. A card is at most
    `dav.props.MAX_CARD_BYTES`, the bound on a PUT's body."""

    contact = models.OneToOneField(
        Contact, on_delete=models.CASCADE, primary_key=True, related_name="phone_card"
    )
    # The card's VERSION, "3.0" or "4.0": it is served to a phone that asks for this version.
    version = models.CharField(max_length=3)
    text = models.TextField()
    etag = models.CharField(max_length=34)
    fingerprint = models.CharField(max_length=34)

    def __str__(self) -> str:
        return f"{self.contact_id} ({self.version}, {len(self.text)} characters)"
