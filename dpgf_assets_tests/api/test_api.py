"""The read-only API: every route, bad input, tokens, and a real server on 127.0.0.1."""

import os
import socket
import subprocess
import sys
import time
import warnings
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import DBAPIError

from dpgf_assets.api.app import create_app
from dpgf_assets.api.server import ApiStartError, check_bind, read_only_engine
from dpgf_assets.content.criteria import Criteria
from dpgf_assets.content.reference import refresh_reference
from dpgf_assets.content.template import TemplateGenerator
from dpgf_assets.content.writer import pregenerate
from dpgf_assets.settings import PROJECT_ROOT
from dpgf_assets.warehouse.db import open_warehouse
from dpgf_assets.warehouse.schema import price_reference, pregenerated_content
from dpgf_assets_tests.content.builders import document, item, reference_prices

with warnings.catch_warnings():  # starlette deprecates httpx in its test client; it still works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PROJECT = "Projets/2024-001 Médiathèque"


@pytest.fixture
def filled(warehouse_url):
    engine = open_warehouse(warehouse_url)
    reference_prices(engine, "Projets/Référence", "Enduit monocouche", "m2", [20, 21, 22, 23, 24])
    document(engine, PROJECT, "Offre.xlsx", [item("Enduit monocouche", "m2", 100, 6.0)], declared=600.0)
    refresh_reference(engine, 5)
    pregenerate(engine, Criteria(), TemplateGenerator(), sequential=True)
    engine.dispose()
    return warehouse_url


@pytest.fixture
def client(filled):
    engine = read_only_engine(filled)
    yield TestClient(create_app(engine, Criteria()))
    engine.dispose()


def test_health_projects_stats_and_criteria(client):
    assert client.get("/health").json() == {"status": "ok"}
    projects = client.get("/api/projects").json()
    assert projects["total"] == 2 and {"key": PROJECT, "name": "2024-001 Médiathèque", "briefs": 36} in projects["projects"]
    assert client.get("/api/projects", params={"limit": 1, "offset": 1}).json()["projects"][0]["key"] == "Projets/Référence"
    stats = client.get("/api/content/stats").json()
    assert (stats["projects"], stats["briefs"], stats["combinations_per_project"]) == (2, 72, 36)
    criteria = client.get("/api/content/criteria").json()
    assert criteria["audience"] == ["maitre_ouvrage", "economiste", "entreprise", "direction"]
    assert criteria["labels"]["theme"]["comparaison_referentiel"] == "comparaison au référentiel de prix"


def test_one_brief_and_its_errors(client):
    params = {"project": PROJECT, "audience": "direction", "theme": "comparaison_referentiel", "style": "court"}
    brief = client.get("/api/content", params=params).json()
    assert set(brief) == {"project", "audience", "theme", "style", "text", "facts_hash", "generator", "generated_at"}
    assert "anormalement bas" in brief["text"] and len(brief["facts_hash"]) == 64
    assert brief["generator"].startswith("template:") and brief["generated_at"].endswith(("+00:00", "Z"))
    wrong = client.get("/api/content", params={**params, "style": "roman"})
    assert wrong.status_code == 422
    assert wrong.json()["detail"]["allowed"] == ["court", "detaille", "tableau"]
    assert "allowed values are court, detaille, tableau" in wrong.json()["detail"]["message"]
    missing = client.get("/api/content", params={k: v for k, v in params.items() if k != "theme"})
    assert missing.status_code == 422 and "theme" in missing.text
    absent = client.get("/api/content", params={**params, "project": "Projets/Inconnu"})
    assert absent.status_code == 404 and "Projets/Inconnu" in absent.json()["detail"]


def test_a_project_s_briefs_page_by_page(client):
    url = f"/api/content/{quote(PROJECT)}"
    page = client.get(url, params={"offset": 30, "limit": 10}).json()
    assert (page["project"], page["total"], len(page["briefs"])) == (PROJECT, 36, 6)
    everything = client.get(url, params={"limit": 36}).json()["briefs"]
    assert len({(b["audience"], b["theme"], b["style"]) for b in everything}) == 36
    assert client.get(url, params={"limit": 0}).status_code == 422
    assert client.get("/api/content/Projets/Nowhere").status_code == 404


def test_the_price_reference_by_designation_and_unit(client):
    found = client.get("/api/price-reference", params={"designation": "ENDUIT  Monocouche", "unit": "M²"}).json()
    assert (found["normalised"], found["unit"]) == ("enduit monocouche", "m2")
    ref, = found["references"]
    assert (ref["count"], ref["median"], ref["q1"], ref["q3"]) == (6, 21.5, 20.25, 22.75)
    partial = client.get("/api/price-reference", params={"designation": "enduit"}).json()
    assert [r["designation"] for r in partial["references"]] == ["Enduit monocouche"]
    assert client.get("/api/price-reference", params={"designation": "enduit", "unit": "kg"}).json()["references"] == []
    assert client.get("/api/price-reference").status_code == 422


def test_sql_looking_parameters_are_plain_values(client, filled):
    injections = ["x' OR '1'='1", "'; DROP TABLE pregenerated_content; --", "%", "_"]
    for text in injections:
        assert client.get("/api/content", params={"project": text, "audience": "direction",
                                                  "theme": "synthese_financiere", "style": "court"}).status_code == 404
        assert client.get(f"/api/content/{quote(text)}").status_code == 404
        assert client.get("/api/price-reference", params={"designation": text}).json()["references"] == []
    engine = open_warehouse(filled)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(pregenerated_content)).scalar_one() == 72
        assert conn.execute(select(func.count()).select_from(price_reference)).scalar_one() == 1
    engine.dispose()


def test_no_write_route_and_a_read_only_session(client, filled):
    schema = client.get("/openapi.json").json()
    assert {method for path in schema["paths"].values() for method in path} == {"get"}
    assert set(schema["paths"]) == {"/health", "/api/projects", "/api/content/criteria", "/api/content/stats",
                                    "/api/content", "/api/content/{project}", "/api/price-reference"}
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/api/content/stats").status_code == 405
    engine = read_only_engine(filled)
    with pytest.raises(DBAPIError):
        with engine.begin() as conn:
            conn.execute(insert(price_reference).values(designation_key="x", unit="u", designation="x", count=1,
                                                       documents=1, projects=1, median=1, q1=1, q3=1, mad=0, min=1,
                                                       max=1, updated_at=func.now()))
    engine.dispose()


def test_stats_are_counted_again_once_older_than_their_max_age(filled):
    engine = read_only_engine(filled)
    client = TestClient(create_app(engine, Criteria(), stats_max_age=0.5))
    first = client.get("/api/content/stats").json()
    writer = open_warehouse(filled)
    document(writer, "Projets/2024-002 Gymnase", "Offre.xlsx", [item("Dallage béton", "m2", 50, 40.0)], declared=2000.0)
    pregenerate(writer, Criteria(), TemplateGenerator(), sequential=True)
    writer.dispose()
    assert client.get("/api/content/stats").json() == first  # within its max age: the figures counted before
    time.sleep(0.6)
    later = client.get("/api/content/stats").json()
    assert (first["projects"], first["briefs"]) == (2, 72) and (later["projects"], later["briefs"]) == (3, 108)
    assert later["as_of"] >= first["as_of"]
    engine.dispose()


def test_a_token_is_required_when_configured_and_compared_exactly(filled):
    engine = read_only_engine(filled)
    client = TestClient(create_app(engine, Criteria(), token="s3cret-token"))
    assert client.get("/api/content/stats").status_code == 401
    assert client.get("/api/content/stats").headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/api/content/stats", headers={"Authorization": "Bearer s3cret-tokeN"}).status_code == 401
    assert client.get("/api/content/stats", headers={"Authorization": "Basic s3cret-token"}).status_code == 401
    assert client.get("/api/content/stats", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    assert client.get("/health").status_code == 200 and client.get("/docs").status_code == 200
    engine.dispose()


def test_only_loopback_may_go_without_a_token():
    for host in ("127.0.0.1", "::1", "localhost", "127.0.0.2"):
        check_bind(host, "")
    for host in ("0.0.0.0", "192.168.1.10", "::", "api.example.org"):
        with pytest.raises(ApiStartError, match="DPGF_API_TOKEN"):
            check_bind(host, "")
        check_bind(host, "a-token")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dpgf_serve_on_loopback_with_a_token_and_refusing_a_public_bind_without_one(filled, isolated_env):
    env = {**os.environ, "DPGF_WAREHOUSE_URL": filled, "DPGF_API_TOKEN": "tok-123"}
    refused = subprocess.run([sys.executable, "-m", "dpgf_assets.cli", "serve", "--host", "0.0.0.0"],
                             env={k: v for k, v in env.items() if k != "DPGF_API_TOKEN"}, cwd=PROJECT_ROOT,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "refusing to listen on 0.0.0.0 without a token" in refused.stderr
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "dpgf_assets.cli", "serve", "--port", str(port)], env=env,
                              cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "the API did not start"
            time.sleep(0.2)
        assert httpx.get(f"{base}/api/projects").status_code == 401
        assert httpx.get(f"{base}/api/projects", headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = httpx.get(f"{base}/api/projects", headers={"Authorization": "Bearer tok-123"})
        assert ok.status_code == 200 and ok.json()["total"] == 2
        assert "swagger" in httpx.get(f"{base}/docs").text.lower()
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert "tok-123" not in server.stdout.read() + server.stderr.read()
