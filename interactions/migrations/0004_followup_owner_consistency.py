from django.db import migrations

from accounts.ownership import composite_owner_keys

# On PostgreSQL the database itself refuses a follow-up filed under another user's contact or digest.
forward, backward = composite_owner_keys(
    ("interactions_followup", "contact_id", "contacts_contact"),
    ("interactions_followup", "digest_id", "interactions_digest"),
)


class Migration(migrations.Migration):
    dependencies = [("interactions", "0003_followups_and_digests"), ("contacts", "0002_owner_consistency")]
    operations = [migrations.RunPython(forward, backward, elidable=False)]
