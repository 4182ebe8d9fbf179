"""The free-text index on ``tasks_task.search_text`` (``tasks.search``).

SQLite: an FTS5 trigram table over the column, kept by triggers; PostgreSQL:
``pg_trgm`` and a GIN index. Each database runs its own half; the other is a
no-op. Reversible. The SQL lives in ``tasks.search`` so the repair after a
table remake (``ensure_sqlite_index``) creates the very same objects.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from dieuphoi.tasks.search import create_index

    create_index(schema_editor)


def backwards(apps, schema_editor):
    from dieuphoi.tasks.search import drop_index

    drop_index(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0009_task_source_record"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
