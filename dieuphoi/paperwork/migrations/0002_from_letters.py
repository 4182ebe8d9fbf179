"""Copy the issuing profiles and the numbers already given from ``letters``.

Before the documents engine, ``letters`` kept the profile and one counter per
(body, year, type); the engine keeps one sequence per numbering register and
year (Decree 30/2020, App. I, II.3). Each body with a profile or counters
gets a register "Sổ văn bản đi" whose counter for a year starts from the
highest number given that year, so no number is given twice.
"""

from django.db import migrations


def forward(apps, schema_editor):
    Old = apps.get_model("letters", "IssuingProfile")
    OldCounter = apps.get_model("letters", "DocumentCounter")
    Profile = apps.get_model("paperwork", "IssuingProfile")
    Register = apps.get_model("paperwork", "NumberingRegister")
    Counter = apps.get_model("paperwork", "RegisterCounter")
    for old in Old.objects.all():
        authority = old.signer_authority.strip()
        collective = authority[3:].strip() if authority.upper().startswith("TM.") else authority
        Profile.objects.update_or_create(
            body_id=old.body_id,
            defaults={
                "governing_body_line": old.governing_body_line,
                "issuer_line": old.issuer_line,
                "issuer_short_name": old.issuer_short_name,
                "symbol": old.symbol,
                "issuer_agency_id": old.issuer_agency_id,
                "place": old.place,
                "collective_name": collective or "TỔ ĐIỀU PHỐI",
                "head_title": old.signer_title or "TỔ TRƯỞNG",
                "deputy_title": f"PHÓ {old.signer_title or 'TỔ TRƯỞNG'}",
                "recipients": old.recipients,
                "archive_line": old.archive_line,
            },
        )
    body_ids = set(Old.objects.values_list("body_id", flat=True)) | set(
        OldCounter.objects.values_list("body_id", flat=True)
    )
    for body_id in body_ids:
        register, _ = Register.objects.get_or_create(body_id=body_id, name="Sổ văn bản đi")
        highest = {}
        for year, last in OldCounter.objects.filter(body_id=body_id).values_list(
            "year", "last_number"
        ):
            highest[year] = max(highest.get(year, 0), last)
        for year, last in highest.items():
            Counter.objects.update_or_create(
                register=register, year=year, defaults={"last_number": last}
            )


class Migration(migrations.Migration):
    dependencies = [
        ("paperwork", "0001_initial"),
        ("letters", "0002_urging_number_kept"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
