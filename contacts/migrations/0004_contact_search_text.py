"""Contact.search_text: the folded text the contacts list searches (see contacts.text), filled for existing
contacts, and on PostgreSQL a trigram index so that `search_text LIKE '%word%'` needs no table scan."""

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations, models


def fill_search_text(apps, schema_editor):
    # The historical model has no save() override, so fold here with the same function the model uses.
    from contacts.text import search_text_from

    Contact = apps.get_model("contacts", "Contact")
    batch = []
    for contact in Contact.objects.prefetch_related("tags").iterator(chunk_size=1000):
        parts = [
            contact.display_name,
            contact.given_name,
            contact.family_name,
            contact.company,
            contact.title,
        ]
        parts += [contact.notes, *sorted(tag.name for tag in contact.tags.all())]
        contact.search_text = search_text_from(parts)
        batch.append(contact)
        if len(batch) >= 1000:
            Contact.objects.bulk_update(batch, ["search_text"])
            batch = []
    Contact.objects.bulk_update(batch, ["search_text"])


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Serves the contacts list search: search_text LIKE '%word%' (contacts.queries.contacts_search).
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS contact_search_trgm ON contacts_contact "
            "USING gin (search_text gin_trgm_ops)"
        )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS contact_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0003_next_followup_on")]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop, elidable=True),
        # CreateExtension does nothing on databases other than PostgreSQL. pg_trgm is a trusted extension
        # (PostgreSQL 13+), so the database's owner may create it without being a superuser.
        CreateExtension("pg_trgm"),
        migrations.RunPython(add_trigram_index, drop_trigram_index),
    ]
