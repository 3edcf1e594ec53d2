"""The database triggers that move the content version (models.ContentVersion).

A trigger rather than a signal or a service: publishing and archiving are conditional
`.update()` statements (education/workflow.py), the curriculum loader and the content packs
write in bulk, and an administrator may fix a typo in SQL. Every one of them changes what
learners see, and no Python hook sees them all; the database does.

A content table added later needs its trigger: add it to CONTENT_TABLES and install it in a
migration with `install(schema_editor, [table])` (tests/content_cache checks every table).
"""

CONTENT_TABLES = (
    "education_course",
    "education_lesson",
    "education_lesson_tags",
    "education_tag",
    "quizzes_quiz",
    "quizzes_question",
    "quizzes_choice",
)

VERSION_TABLE = "content_cache_contentversion"

# An upsert: a flushed table (the test suite) starts again from 1 instead of losing bumps.
BUMP = (
    f"INSERT INTO {VERSION_TABLE} (id, number) VALUES (1, 1) "
    f"ON CONFLICT (id) DO UPDATE SET number = {VERSION_TABLE}.number + 1"
)

POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION content_version_bump() RETURNS trigger AS $$
BEGIN
    {BUMP};
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def trigger_name(table, operation=""):
    return f"content_version_{table}" + (f"_{operation.lower()}" if operation else "")


def install(schema_editor, tables=CONTENT_TABLES):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION)
        for table in tables:
            # Once per statement: a bulk load of a thousand rows moves the version once.
            schema_editor.execute(
                f"CREATE TRIGGER {trigger_name(table)} AFTER INSERT OR UPDATE OR DELETE "
                f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION content_version_bump()'
            )
    elif vendor == "sqlite":
        # SQLite has row triggers only; one small upsert per row written.
        for table in tables:
            for operation in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {trigger_name(table, operation)} AFTER {operation} "
                    f'ON "{table}" BEGIN {BUMP}; END'
                )
    else:
        raise NotImplementedError(f"No content-version triggers for {vendor}.")


def remove(schema_editor, tables=CONTENT_TABLES):
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS {trigger_name(table)} ON "{table}"')
        else:
            for operation in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger_name(table, operation)}")


def reinstall(*tables):
    """A migration operation putting back the triggers of `tables`: SQLite adds a column by
    rebuilding the table, which drops its triggers (PostgreSQL keeps them). Removing first
    makes it safe on both. Every migration that rebuilds a content table on SQLite needs one:
    tests/content_cache/test_content_version.py fails if a trigger is missing."""
    from django.db import migrations

    def put_back(apps, schema_editor):
        remove(schema_editor, tables=tables)
        install(schema_editor, tables=tables)

    return migrations.RunPython(put_back, migrations.RunPython.noop)


def installed(connection):
    """The content tables that have their trigger, read from the database's catalogue."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE 'content_version_%%' AND NOT t.tgisinternal"
            )
            return {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE 'content_version_%' GROUP BY tbl_name HAVING COUNT(*) = 3"
        )
        return {row[0] for row in cursor.fetchall()}
