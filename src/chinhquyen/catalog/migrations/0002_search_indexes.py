"""Full-text and fuzzy search indexes over the folded columns search_name/search_body.

SQLite: an FTS5 table (rowid = procedure id) that catalog.services keeps in sync.
PostgreSQL: a table catalog_procedure_search (procedure_id, the same folded text, generated
tsvector columns with GIN indexes, a pg_trgm index on search_name) that catalog.services keeps
in sync the same way.
Each database gets only its own part; the other's statements are skipped.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_procedure_fts USING fts5("
    "name, body, tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3 4')",
    "INSERT INTO catalog_procedure_fts (rowid, name, body) "
    "SELECT id, search_name, search_body FROM catalog_procedure",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS catalog_procedure_fts"]

# A narrow table of its own, like FTS5's: matching reads small rows instead of the wide
# procedure rows. tsvectors are generated from the folded text, positions stripped (ranking is
# done in Python, the same on both databases).
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE TABLE IF NOT EXISTS catalog_procedure_search ("
    " procedure_id bigint PRIMARY KEY,"
    " search_name text NOT NULL,"
    " search_body text NOT NULL,"
    " name_tsv tsvector GENERATED ALWAYS AS (strip(to_tsvector('simple'::regconfig, search_name))) STORED,"
    " all_tsv tsvector GENERATED ALWAYS AS"
    " (strip(to_tsvector('simple'::regconfig, search_name || ' ' || search_body))) STORED)",
    "CREATE INDEX IF NOT EXISTS catalog_search_name_tsv ON catalog_procedure_search USING gin (name_tsv)",
    "CREATE INDEX IF NOT EXISTS catalog_search_all_tsv ON catalog_procedure_search USING gin (all_tsv)",
    "CREATE INDEX IF NOT EXISTS catalog_search_name_trgm ON catalog_procedure_search "
    "USING gin (search_name gin_trgm_ops)",
    "INSERT INTO catalog_procedure_search (procedure_id, search_name, search_body) "
    "SELECT id, search_name, search_body FROM catalog_procedure ON CONFLICT DO NOTHING",
]
POSTGRES_BACKWARD = ["DROP TABLE IF EXISTS catalog_procedure_search"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
