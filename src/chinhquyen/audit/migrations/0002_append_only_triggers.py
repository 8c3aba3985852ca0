"""Refuse UPDATE and DELETE on the audit table at the database level (SQLite and PostgreSQL)."""

from django.db import migrations

from chinhquyen.audit import guard


def create_triggers(apps, schema_editor):
    guard.install(schema_editor.connection)


def drop_triggers(apps, schema_editor):
    guard.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
