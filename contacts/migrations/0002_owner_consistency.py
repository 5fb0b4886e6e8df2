from django.db import migrations

from accounts.ownership import composite_owner_keys

forward, backward = composite_owner_keys(
    ("contacts_emailaddress", "contact_id", "contacts_contact"),
    ("contacts_phonenumber", "contact_id", "contacts_contact"),
)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]
    operations = [migrations.RunPython(forward, backward, elidable=False)]
