from django.db import migrations, models


def fill_keys(apps, schema_editor):
    from chinhquyen.organizations.naming import name_key

    Mapping = apps.get_model("organizations", "LegacyUnitMapping")
    batch = []
    for mapping in Mapping.objects.only("pk", "old_name").iterator(chunk_size=2000):
        mapping.old_name_key = name_key(mapping.old_name)
        batch.append(mapping)
        if len(batch) >= 2000:
            Mapping.objects.bulk_update(batch, ["old_name_key"])
            batch = []
    if batch:
        Mapping.objects.bulk_update(batch, ["old_name_key"])


class Migration(migrations.Migration):

    dependencies = [
        ("organizations", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="legacyunitmapping",
            name="old_name_key",
            field=models.CharField(
                blank=True,
                db_index=True,
                editable=False,
                help_text="Tên không dấu, chữ thường, bỏ tiền tố xã/phường: để tìm không phân biệt dấu.",
                max_length=200,
                verbose_name="khóa tìm kiếm tên xã cũ",
            ),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
    ]
