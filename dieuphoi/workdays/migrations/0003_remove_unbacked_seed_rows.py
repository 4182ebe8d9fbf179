"""Delete the rows the old demo seed wrote without an announcing document.

The seed before this change wrote the 2026 Tết and National Day days with a
basis marked "giả định" (assumed, to be checked) and an invented swap around
New Year 2027 marked "minh hoạ" (illustration). None names a document, so
they go; the dates the package knows stay off (as derived days), and
``manage.py seed_demo`` writes the announced days again with their documents.
Rows an administrator wrote are kept (they become "confirmed" rows).
"""

from django.db import migrations

OLD_SEED_BASES = [
    "Thông báo của Bộ Nội vụ về lịch nghỉ Tết Âm lịch 2026 (giả định theo tin "
    "báo chí 10/2025, cần đối chiếu văn bản gốc)",
    "Thông báo của Bộ Nội vụ về lịch nghỉ Quốc khánh 2026 (giả định, cần đối "
    "chiếu văn bản gốc)",
    "Dữ liệu minh hoạ (demo), không phải thông báo chính thức",
]


def delete_unbacked_seed_rows(apps, schema_editor):
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    CalendarDay.objects.filter(legal_basis__in=OLD_SEED_BASES).delete()


class Migration(migrations.Migration):
    dependencies = [("workdays", "0002_calendar_day_basis_and_status")]

    operations = [
        migrations.RunPython(delete_unbacked_seed_rows, migrations.RunPython.noop)
    ]
