from django.db import migrations


def seed(apps, schema_editor):
    from chinhquyen.notifications.defaults import TEMPLATES

    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    for row in TEMPLATES:
        MessageTemplate.objects.update_or_create(
            key=row["key"],
            channel=row["channel"],
            defaults={
                "subject": row.get("subject", ""),
                "body": row["body"],
                "description": row.get("description", ""),
                "sensitive": row.get("sensitive", False),
                "active": row.get("active", True),
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("notifications", "MessageTemplate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
