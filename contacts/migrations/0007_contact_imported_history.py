# The import that brought a contact's history, for PRODUCT.md's "Clocks from imported history". Contacts
# imported before it have neither, and keep the plain rule.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0006_phone_e164_parsed"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="imported_on",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="contact",
            name="import_position",
            field=models.FloatField(blank=True, editable=False, null=True),
        ),
    ]
