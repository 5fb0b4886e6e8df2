"""Tag names and email addresses get a stored case-folded copy (`str.casefold()`), which uniqueness and every
lookup ignoring case now go through instead of the database's lower(): SQLite's folds ASCII alone and
PostgreSQL's follows the server's locale, so "İstanbul" beside "istanbul" was a 500 on one and two tags on
the other.

Stored rows are folded here, and rows that now fold to the same value are merged: an owner's tags become the
oldest of them, with the contacts of all of them; a contact keeps the oldest of its addresses. (A merged tag's
contacts keep their search text: it holds tag names folded further than this, so it says the same.) An email
address with no text at all is dropped, as no form would have saved it. The constraints come in 0009, in a
transaction of their own: PostgreSQL will not alter a table with deletions still to check.

The folding is `str.casefold()`, written out here so that the migration keeps doing what it did when
contacts.text.casefold_key changes.
"""

import contacts.models
from django.db import migrations


def _fold(value):
    return value.casefold()


def tags_fold(apps, schema_editor):
    """Fold every tag's name; merge each owner's tags that fold alike into the oldest."""
    Tag = apps.get_model("contacts", "Tag")
    Through = apps.get_model("contacts", "Contact").tags.through
    kept, folded, merged = {}, [], {}
    for pk, owner_id, name in (
        Tag.objects.order_by("pk").values_list("pk", "owner_id", "name").iterator(chunk_size=2000)
    ):
        key = _fold(name)
        keep = kept.setdefault((owner_id, key), pk)
        if keep == pk:
            folded.append(Tag(pk=pk, name_folded=key))
        else:
            merged[pk] = keep
    Tag.objects.bulk_update(folded, ["name_folded"], batch_size=500)
    if not merged:
        return
    links = set(Through.objects.filter(tag_id__in=list(merged)).values_list("contact_id", "tag_id"))
    has_kept = set(
        Through.objects.filter(tag_id__in=set(merged.values())).values_list("contact_id", "tag_id")
    )
    moved = {(contact_id, merged[tag_id]) for contact_id, tag_id in links} - has_kept
    Through.objects.bulk_create(
        [Through(contact_id=contact_id, tag_id=tag_id) for contact_id, tag_id in sorted(moved)],
        batch_size=500,
    )
    Tag.objects.filter(pk__in=list(merged)).delete()


def emails_fold(apps, schema_editor):
    """Fold every email address; a contact keeps the oldest of its addresses that fold alike."""
    EmailAddress = apps.get_model("contacts", "EmailAddress")
    seen, folded, dropped = set(), [], []
    for pk, contact_id, address in (
        EmailAddress.objects.order_by("pk")
        .values_list("pk", "contact_id", "address")
        .iterator(chunk_size=2000)
    ):
        key = _fold(address)
        if not key or (contact_id, key) in seen:
            dropped.append(pk)
        else:
            seen.add((contact_id, key))
            folded.append(EmailAddress(pk=pk, address_folded=key))
    EmailAddress.objects.bulk_update(folded, ["address_folded"], batch_size=500)
    EmailAddress.objects.filter(pk__in=dropped).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0007_contact_imported_history"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="emailaddress", name="email_unique_per_contact"),
        migrations.RemoveConstraint(model_name="tag", name="tag_unique_name_per_owner"),
        migrations.RemoveIndex(model_name="emailaddress", name="email_owner_address"),
        migrations.AddField(
            model_name="emailaddress",
            name="address_folded",
            field=contacts.models.FoldedField(default="", max_length=762, source="address"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="tag",
            name="name_folded",
            field=contacts.models.FoldedField(default="", max_length=150, source="name"),
            preserve_default=False,
        ),
        migrations.RunPython(tags_fold, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(emails_fold, migrations.RunPython.noop, elidable=True),
    ]
