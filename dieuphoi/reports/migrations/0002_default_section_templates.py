"""The default headings member agencies are asked to fill (templates as
data: the administrator edits them in the admin). They are the team's own
working template, not an official form: Decree 09/2019 leaves the outline
of a report to the rule that requires it."""

from django.db import migrations

GENERAL = [
    {"key": "ket-qua", "title": "Kết quả thực hiện nhiệm vụ trong kỳ", "required": True,
     "hint": "Nhiệm vụ được giao, đã hoàn thành, đang thực hiện; số liệu kèm theo."},
    {"key": "phoi-hop", "title": "Tình hình phối hợp liên tỉnh, liên vùng", "required": False,
     "hint": "Các vấn đề liên tỉnh đã phối hợp, kết quả, vướng mắc."},
    {"key": "kho-khan", "title": "Khó khăn, vướng mắc", "required": False, "hint": ""},
    {"key": "kien-nghi", "title": "Kiến nghị, đề xuất", "required": False, "hint": ""},
    {"key": "ky-toi", "title": "Nhiệm vụ trọng tâm kỳ tới", "required": True, "hint": ""},
]
YEARLY = [
    {"key": "ket-qua", "title": "Kết quả thực hiện nhiệm vụ trong năm", "required": True,
     "hint": "So sánh với kế hoạch năm; số liệu kèm theo."},
    {"key": "phoi-hop", "title": "Tình hình phối hợp liên tỉnh, liên vùng", "required": True,
     "hint": ""},
    {"key": "danh-gia", "title": "Đánh giá chung: ưu điểm, hạn chế và nguyên nhân",
     "required": True, "hint": ""},
    {"key": "kien-nghi", "title": "Kiến nghị, đề xuất", "required": False, "hint": ""},
    {"key": "ky-toi", "title": "Phương hướng, nhiệm vụ năm tới", "required": True, "hint": ""},
]  # fmt: skip


def add(apps, schema_editor):
    SectionTemplate = apps.get_model("reports", "SectionTemplate")
    if SectionTemplate.objects.exists():
        return
    SectionTemplate.objects.create(
        period_type="", name="Mẫu chung (tháng, quý, 6 tháng, 9 tháng, đột xuất)",
        headings=GENERAL,
    )  # fmt: skip
    SectionTemplate.objects.create(
        period_type="annual", name="Mẫu báo cáo năm", headings=YEARLY
    )


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
