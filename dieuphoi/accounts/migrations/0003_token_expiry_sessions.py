import datetime

from django.conf import settings
from django.db import migrations, models

import dieuphoi.accounts.models


def tokens_expire(apps, schema_editor):
    """Existing tokens expire API_TOKEN_DAYS after they were created."""
    ApiToken = apps.get_model("accounts", "ApiToken")
    days = datetime.timedelta(days=getattr(settings, "API_TOKEN_DAYS", 90))
    for token in ApiToken.objects.filter(expires_at__isnull=True).iterator():
        ApiToken.objects.filter(pk=token.pk).update(expires_at=token.created_at + days)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="sessions_ended_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="sessions ended at"
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="expires at"),
        ),
        migrations.RunPython(tokens_expire, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(
                default=dieuphoi.accounts.models.token_expiry, verbose_name="expires at"
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="last_used_ip",
            field=models.GenericIPAddressField(
                blank=True, null=True, verbose_name="last used from"
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="seats",
            field=models.JSONField(blank=True, default=list, verbose_name="issued for"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("owner", "revoked by its owner"),
                    ("admin", "revoked by an administrator"),
                    ("password_change", "password changed"),
                    ("deactivation", "account deactivated"),
                    ("role_lost", "role ended"),
                ],
                max_length=20,
                verbose_name="reason revoked",
            ),
        ),
    ]
