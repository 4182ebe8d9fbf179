# Placeholder: the backfill of the task history (state changes, lead
# changes, effective dates of deadline changes) from the existing rows and
# the audit log is written here.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tasks", "0006_history")]

    operations = []
