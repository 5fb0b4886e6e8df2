from django.db import migrations

from accounts.ownership import composite_owner_keys

forward, backward = composite_owner_keys(
    ("interactions_participation", "contact_id", "contacts_contact"),
    ("interactions_participation", "interaction_id", "interactions_interaction"),
    ("interactions_interaction", "event_id", "interactions_event"),
)


class Migration(migrations.Migration):
    dependencies = [("interactions", "0001_initial"), ("contacts", "0002_owner_consistency")]
    operations = [migrations.RunPython(forward, backward, elidable=False)]
