"""Database triggers that refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL) of audit records.

Installed by a migration. The test suite removes them only around the flush that ends a
transactional test, and installs them again before the next one.
"""

from __future__ import annotations

TABLE = "audit_auditrecord"


def install(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for op in ("UPDATE", "DELETE"):
                cursor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS audit_no_{op.lower()} BEFORE {op} ON {TABLE} "
                    "BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;"
                )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'audit records are append-only'; END; $$ LANGUAGE plpgsql;"
            )
            cursor.execute(f"DROP TRIGGER IF EXISTS audit_no_change ON {TABLE};")
            cursor.execute(
                f"CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
                "FOR EACH ROW EXECUTE FUNCTION audit_append_only();"
            )
            cursor.execute(f"DROP TRIGGER IF EXISTS audit_no_truncate ON {TABLE};")
            cursor.execute(
                f"CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON {TABLE} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();"
            )


def remove(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS audit_no_update;")
            cursor.execute("DROP TRIGGER IF EXISTS audit_no_delete;")
        elif connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS audit_no_change ON {TABLE};")
            cursor.execute(f"DROP TRIGGER IF EXISTS audit_no_truncate ON {TABLE};")
