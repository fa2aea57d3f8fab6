"""``dpgf content generate|get`` as a user runs them: real processes, a real instance and warehouse."""

import os
import subprocess
import sys

from dpgf_assets.settings import PROJECT_ROOT
from dpgf_assets.warehouse.db import open_warehouse
from dpgf_assets_tests.content.builders import document, item

DPGF = [sys.executable, "-m", "dpgf_assets.cli"]
PROJECT = "Projets/2025-004 Gymnase"


def run(args, env):
    return subprocess.run(DPGF + args, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)


def test_generate_twice_then_get_one_brief(isolated_env, tmp_path):
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    engine = open_warehouse(url)
    document(engine, PROJECT, "Offre.xlsx", [item("Enduit monocouche", "m2", 100, 21.0)], declared=2100.0)
    engine.dispose()
    (tmp_path / "empty").mkdir()
    env = {**os.environ, "DPGF_WAREHOUSE_URL": url, "DPGF_SOURCE_PATH": str(tmp_path / "empty"), "COLUMNS": "200"}
    first = run(["content", "generate", "--sequential"], env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Briefs: 36 generated, 0 refreshed, 0 skipped, 0 failed (1 projects, 36 combinations)" in first.stdout
    second = run(["content", "generate", "--workers", "2"], env)
    assert "Briefs: 0 generated, 0 refreshed, 36 skipped, 0 failed" in second.stdout
    brief = run(["content", "get", "--project", PROJECT, "--audience", "direction", "--theme",
                 "synthese_financiere", "--style", "court"], env)
    assert brief.returncode == 0 and brief.stdout.startswith("## Synthèse financière – 2025-004 Gymnase")
    assert "**2\u202f100\u00a0€ HT**" in brief.stdout
    wrong = run(["content", "get", "--project", PROJECT, "--audience", "client", "--theme", "synthese_financiere",
                 "--style", "court"], env)
    assert wrong.returncode == 2
    assert "unknown audience 'client': allowed values are maitre_ouvrage, economiste, entreprise, direction" in wrong.stderr
    unknown = run(["content", "generate", "--project", "Projets/Nulle part"], env)
    assert unknown.returncode == 2 and "Unknown project 'Projets/Nulle part'" in unknown.stderr
    forced = run(["content", "generate", "--project", PROJECT, "--force"], env)
    assert "Briefs: 0 generated, 36 refreshed" in forced.stdout
