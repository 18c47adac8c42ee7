"""A case's id, and with it its reference HBG-<year>-<id>, is never given twice: SQLite AUTOINCREMENT.

Without AUTOINCREMENT SQLite gives a new row the largest id + 1, so once retention deleted the newest
case its reference went to the next one. PostgreSQL's sequence never hands out a number twice, so
there is nothing to do there.

SQLite cannot add AUTOINCREMENT to a table, so the table is rebuilt from its own CREATE statement
(whatever columns other migrations added stay) with the rows and ids as they were: existing references
are kept, and sqlite_sequence starts at the largest id. Notes, holds and events refer to cases and
foreign keys are on: the checks are deferred to the commit, by which time every case is back.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""
from __future__ import annotations

import re

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

PLAIN_ID = "id INTEGER NOT NULL, "
AUTOINCREMENT_ID = "id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "
PRIMARY_KEY_CONSTRAINT = re.compile(r"\s*PRIMARY KEY \(id\),")


def _rebuild_cases(autoincrement: bool) -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    rows = connection.exec_driver_sql(
        "SELECT type, sql FROM sqlite_master WHERE tbl_name = 'cases' AND sql IS NOT NULL"
    ).all()
    create = next(sql for kind, sql in rows if kind == "table")
    indexes = [sql for kind, sql in rows if kind == "index"]
    if autoincrement:
        if PLAIN_ID not in create or not PRIMARY_KEY_CONSTRAINT.search(create):
            raise RuntimeError(f"unexpected CREATE TABLE cases: {create}")
        rebuilt = PRIMARY_KEY_CONSTRAINT.sub("", create.replace(PLAIN_ID, AUTOINCREMENT_ID, 1), count=1)
    else:
        if AUTOINCREMENT_ID not in create:
            raise RuntimeError(f"unexpected CREATE TABLE cases: {create}")
        rebuilt = create.replace(AUTOINCREMENT_ID, PLAIN_ID, 1).replace(
            "FOREIGN KEY", "PRIMARY KEY (id), \n\tFOREIGN KEY", 1
        )
    # The Python sqlite3 driver opens a transaction only before DML, and the pragma lasts one transaction:
    # a write that changes nothing makes sure the rebuild below runs in one, with the checks deferred.
    connection.exec_driver_sql("UPDATE alembic_version SET version_num = version_num")
    connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    connection.exec_driver_sql("CREATE TABLE _cases_rows AS SELECT * FROM cases")
    connection.exec_driver_sql("DROP TABLE cases")
    connection.exec_driver_sql(rebuilt)
    connection.exec_driver_sql("INSERT INTO cases SELECT * FROM _cases_rows")
    connection.exec_driver_sql("DROP TABLE _cases_rows")
    for index in indexes:
        connection.exec_driver_sql(index)


def upgrade() -> None:
    _rebuild_cases(autoincrement=True)


def downgrade() -> None:
    _rebuild_cases(autoincrement=False)
