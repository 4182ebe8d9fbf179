"""The issuing profile and the number counters moved to ``paperwork``
(copied there by ``paperwork.0002_from_letters``)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0002_urging_number_kept"),
        # The profiles and counters are copied there first.
        ("paperwork", "0002_from_letters"),
    ]

    operations = [
        migrations.DeleteModel(name="DocumentCounter"),
        migrations.DeleteModel(name="IssuingProfile"),
    ]
