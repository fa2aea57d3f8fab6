"""The API's routes: GET only, every parameter bound, never formatted into SQL.

A token, when configured, is required on every ``/api`` route (``Authorization: Bearer …``, compared
in constant time); ``/health`` and the OpenAPI documentation (``/docs``) stay open.
"""

from __future__ import annotations

import hmac
import threading
import time
from datetime import datetime, timezone
from typing import Callable, Optional

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query
from pydantic import BaseModel
from sqlalchemy import Engine, text

from dpgf_assets.content import store
from dpgf_assets.content.criteria import VOCABULARY, Combination, Criteria
from dpgf_assets.content.reference import Reference, designation_key, search_reference
from dpgf_assets.content.store import Brief
from dpgf_assets.parsing.values import normalise_unit


class BriefPage(BaseModel):
    project: str
    total: int
    offset: int
    limit: int
    briefs: list[Brief]


class Project(BaseModel):
    key: str
    name: str
    briefs: int


class ProjectPage(BaseModel):
    total: int
    offset: int
    limit: int
    projects: list[Project]


class Stats(BaseModel):
    projects: int
    briefs: int
    combinations_per_project: int
    last_generated_at: Optional[str]
    generators: dict[str, int]
    as_of: str  # when these figures were counted (at most STATS_MAX_AGE_SECONDS ago)


class CriteriaOut(BaseModel):
    audience: list[str]
    theme: list[str]
    style: list[str]
    labels: dict[str, dict[str, str]]
    combinations_per_project: int


class ReferenceSearch(BaseModel):
    designation: str
    normalised: str
    unit: Optional[str]
    references: list[Reference]


STATS_MAX_AGE_SECONDS = 10.0


class Recent:
    """A figure recounted at most every ``max_age`` seconds: the statistics scan every brief (25 ms at
    36,000 briefs, growing with them) and change only when briefs are regenerated. While one request
    recounts, the others get the previous figure."""

    def __init__(self, count: Callable[[], dict], max_age: float) -> None:
        self.count, self.max_age = count, max_age
        self.value: dict | None = None
        self.counted_at = 0.0
        self.lock = threading.Lock()

    def get(self) -> dict:
        stale = time.monotonic() - self.counted_at > self.max_age
        if self.value is None or stale:
            with_lock = self.lock.acquire(blocking=self.value is None)  # the first request waits for a figure
            if with_lock:
                try:
                    if self.value is None or time.monotonic() - self.counted_at > self.max_age:
                        self.value = self.count()
                        self.counted_at = time.monotonic()
                finally:
                    self.lock.release()
        return self.value


def create_app(engine: Engine, criteria: Criteria, token: str = "",
               stats_max_age: float = STATS_MAX_AGE_SECONDS) -> FastAPI:
    """The application over ``engine`` (ideally read-only), serving the briefs of ``criteria``."""
    app = FastAPI(title="dpgf_assets — briefs and price reference", version="1",
                  description="Read-only API: pregenerated briefs per project and criteria, and the price "
                              "reference. Every /api route needs `Authorization: Bearer <token>` when the "
                              "server has a token (always off 127.0.0.1).")
    expected = token.encode("utf-8")

    def authorised(authorization: Optional[str] = Header(None, include_in_schema=False)) -> None:
        if not expected:
            return
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode("utf-8"), expected):
            raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})

    api = APIRouter(prefix="/api", dependencies=[Depends(authorised)])
    per_project = len(criteria.combinations())

    def checked(dimension: str, value: str) -> str:
        allowed = criteria.allowed()[dimension]
        if value not in allowed:
            raise HTTPException(422, {"message": f"unknown {dimension} {value!r}: allowed values are "
                                                 f"{', '.join(allowed)}", "parameter": dimension,
                                      "value": value, "allowed": list(allowed)})
        return value

    @app.get("/health", tags=["health"])
    def health() -> dict:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any database failure is "unavailable"
            raise HTTPException(503, "database unavailable") from None
        return {"status": "ok"}

    @api.get("/projects", response_model=ProjectPage, tags=["projects"])
    def projects(offset: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=1000)) -> dict:
        with engine.connect() as conn:
            total, rows = store.list_projects(conn, offset, limit)
        return {"total": total, "offset": offset, "limit": limit,
                "projects": [{"key": k, "name": n, "briefs": b} for k, n, b in rows]}

    @api.get("/content/criteria", response_model=CriteriaOut, tags=["content"])
    def content_criteria() -> dict:
        allowed = criteria.allowed()
        return {**{d: list(v) for d, v in allowed.items()},
                "labels": {d: {v: VOCABULARY[d][v] for v in values} for d, values in allowed.items()},
                "combinations_per_project": per_project}

    def count_stats() -> dict:
        with engine.connect() as conn:
            figures = store.content_stats(conn)
        return {**figures, "combinations_per_project": per_project,
                "as_of": datetime.now(timezone.utc).isoformat(timespec="seconds")}

    stats = Recent(count_stats, stats_max_age)

    @api.get("/content/stats", response_model=Stats, tags=["content"],
             description=f"Projects and briefs counted at most {stats_max_age:g} s ago (`as_of`).")
    def content_stats() -> dict:
        return stats.get()

    @api.get("/content", response_model=Brief, tags=["content"],
             responses={404: {"description": "no brief for this project and criteria"},
                        422: {"description": "unknown criterion: the allowed values are named"}})
    def content(project: str = Query(..., min_length=1, max_length=500), audience: str = Query(...),
                theme: str = Query(...), style: str = Query(...)) -> dict:
        combination = Combination(checked("audience", audience), checked("theme", theme), checked("style", style))
        with engine.connect() as conn:
            brief = store.get_brief(conn, project, combination)
        if brief is None:
            raise HTTPException(404, f"no brief for project {project!r} ({combination.label()})")
        return brief.to_json()

    @api.get("/content/{project:path}", response_model=BriefPage, tags=["content"],
             responses={404: {"description": "unknown project or no brief yet"}})
    def project_content(project: str, offset: int = Query(0, ge=0), limit: int = Query(36, ge=1, le=500)) -> dict:
        with engine.connect() as conn:
            total, briefs = store.project_briefs(conn, project, offset, limit)
        if not total:
            raise HTTPException(404, f"no brief for project {project!r}")
        return {"project": project, "total": total, "offset": offset, "limit": limit,
                "briefs": [b.to_json() for b in briefs]}

    @api.get("/price-reference", response_model=ReferenceSearch, tags=["price reference"])
    def price_reference(designation: str = Query(..., min_length=1, max_length=300),
                        unit: Optional[str] = Query(None, max_length=20),
                        limit: int = Query(50, ge=1, le=200)) -> dict:
        normalised_unit = normalise_unit(unit) if unit else None
        with engine.connect() as conn:
            found = search_reference(conn, designation, normalised_unit, limit)
        return {"designation": designation, "normalised": designation_key(designation), "unit": normalised_unit,
                "references": found}

    app.include_router(api)
    return app
