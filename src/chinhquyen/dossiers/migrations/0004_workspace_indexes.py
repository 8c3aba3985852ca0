"""Indexes for the workspace pages with many dossiers: the tracking book of one agency."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0002_drafts_and_ratings"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(fields=["agency", "received_at"], name="dossier_agency_received"),
        ),
    ]
