"""``is_open`` becomes 0/1 (SQLite's planner uses ``is_open = 1`` for an
index equality, not a bare boolean term), and a covering index for the
summary and one on ``updated_at`` (the summary cache's stamp). A generated column cannot be altered in place, so it is dropped and
added again with its index."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("tasks", "0002_buckets_support"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="task", name="task_body_open_deadline"),
        migrations.RemoveField(model_name="task", name="is_open"),
        migrations.AddField(
            model_name="task",
            name="is_open",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Case(
                    models.When(
                        state__in=["new", "in_progress", "extension_requested", "reported_done"],
                        then=models.Value(1),
                    ),
                    default=models.Value(0),
                ),
                output_field=models.SmallIntegerField(),
            ),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                fields=["body", "is_open", "deadline_key", "id"],
                name="task_body_open_deadline",
            ),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                fields=[
                    "body",
                    "lead_agency",
                    "sector",
                    "state",
                    "deadline",
                    "completed_on",
                    "cancelled_on",
                    "assigned_on",
                    "progress",
                ],
                name="task_summary_cover",
            ),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(fields=["updated_at"], name="task_updated_at"),
        ),
    ]
