"""The ``pregenerated_content`` table: what is stored per project, the bulk upsert, and the reads
the API and ``dpgf content get`` make."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, and_, delete, func, not_, select

from dpgf_assets.content.criteria import Combination, Criteria
from dpgf_assets.warehouse.bulk import upsert_statement
from dpgf_assets.warehouse.schema import pregenerated_content, projects

pc = pregenerated_content.c
KEY = ("project_id", "audience", "theme", "style")


@dataclass(frozen=True)
class Brief:
    project: str
    audience: str
    theme: str
    style: str
    text: str
    facts_hash: str
    generator: str
    generated_at: datetime

    def to_json(self) -> dict:
        when = self.generated_at if self.generated_at.tzinfo else self.generated_at.replace(tzinfo=timezone.utc)
        return {"project": self.project, "audience": self.audience, "theme": self.theme, "style": self.style,
                "text": self.text, "facts_hash": self.facts_hash, "generator": self.generator,
                "generated_at": when.isoformat()}


def stored_state(conn: Connection, project_ids: list[int]) -> dict[int, dict[Combination, tuple[str, str]]]:
    """Per project, the (facts hash, generator) of each stored brief, in one query."""
    state: dict[int, dict[Combination, tuple[str, str]]] = {i: {} for i in project_ids}
    if not project_ids:
        return state
    rows = conn.execute(select(pc.project_id, pc.audience, pc.theme, pc.style, pc.facts_hash, pc.generator)
                        .where(pc.project_id.in_(project_ids)))
    for r in rows:
        state[r.project_id][Combination(r.audience, r.theme, r.style)] = (r.facts_hash, r.generator)
    return state


COLUMNS = KEY + ("text", "facts_hash", "generator", "generated_at")
_ARRAY_TYPES = ("int[]", "text[]", "text[]", "text[]", "text[]", "text[]", "text[]", "timestamptz[]")
# one short statement whatever the number of rows (psycopg caches its parse), the rows as arrays
_PG_UPSERT = (f"INSERT INTO pregenerated_content ({', '.join(COLUMNS)}) "
              f"SELECT * FROM unnest({', '.join(f'%s::{t}' for t in _ARRAY_TYPES)}) "
              f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET "
              + ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[len(KEY):]))


def upsert_briefs(conn: Connection, rows: list[dict]) -> None:
    """Insert or replace briefs on (project, criteria) in one statement: no look-up per row.

    On PostgreSQL, one INSERT … SELECT FROM unnest(arrays) … ON CONFLICT through psycopg (a single
    round trip), with ``synchronous_commit`` off for this transaction: briefs are derived data, and
    one lost in a crash is absent, so the next run writes it again."""
    if not rows:
        return
    if conn.dialect.driver == "psycopg":
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(_PG_UPSERT, [[r[c] for r in rows] for c in COLUMNS])
        finally:
            cursor.close()
        return
    stmt = upsert_statement(conn, pregenerated_content)
    stmt = stmt.on_conflict_do_update(index_elements=list(KEY), set_={
        c: stmt.excluded[c] for c in COLUMNS[len(KEY):]})
    conn.execute(stmt, rows)


def delete_other_combinations(conn: Connection, project_id: int, criteria: Criteria) -> int:
    """Remove a project's briefs whose criteria are no longer configured."""
    configured = and_(pc.audience.in_(criteria.audiences), pc.theme.in_(criteria.themes),
                      pc.style.in_(criteria.styles))
    return conn.execute(delete(pregenerated_content)
                        .where(pc.project_id == project_id, not_(configured))).rowcount


_BRIEF_COLUMNS = (projects.c.key, pc.audience, pc.theme, pc.style, pc.text, pc.facts_hash, pc.generator,
                  pc.generated_at)


def get_brief(conn: Connection, project: str, combination: Combination) -> Brief | None:
    row = conn.execute(select(*_BRIEF_COLUMNS).join_from(pregenerated_content, projects,
                                                         projects.c.id == pc.project_id)
                       .where(projects.c.key == project, pc.audience == combination.audience,
                              pc.theme == combination.theme, pc.style == combination.style)).first()
    return Brief(*row) if row else None


def project_briefs(conn: Connection, project: str, offset: int, limit: int) -> tuple[int, list[Brief]]:
    """A page of a project's briefs (by audience, theme, style) and how many there are."""
    joined = select(*_BRIEF_COLUMNS).join_from(pregenerated_content, projects, projects.c.id == pc.project_id) \
        .where(projects.c.key == project)
    total = conn.execute(select(func.count()).select_from(joined.subquery())).scalar_one()
    rows = conn.execute(joined.order_by(pc.audience, pc.theme, pc.style).offset(offset).limit(limit)).all()
    return total, [Brief(*r) for r in rows]


def list_projects(conn: Connection, offset: int, limit: int) -> tuple[int, list[tuple[str, str, int]]]:
    """A page of projects (key, name, briefs stored) and how many there are."""
    total = conn.execute(select(func.count()).select_from(projects)).scalar_one()
    briefs = select(pc.project_id, func.count().label("n")).group_by(pc.project_id).subquery()
    rows = conn.execute(select(projects.c.key, projects.c.name, func.coalesce(briefs.c.n, 0))
                        .outerjoin(briefs, briefs.c.project_id == projects.c.id)
                        .order_by(projects.c.key).offset(offset).limit(limit)).all()
    return total, [tuple(r) for r in rows]


def content_stats(conn: Connection) -> dict:
    row = conn.execute(select(func.count(func.distinct(pc.project_id)), func.count(),
                              func.max(pc.generated_at))).one()
    generators = dict(conn.execute(select(pc.generator, func.count()).group_by(pc.generator)
                                   .order_by(pc.generator)).all())
    return {"projects": row[0], "briefs": row[1],
            "last_generated_at": row[2].isoformat() if row[2] else None, "generators": generators}
