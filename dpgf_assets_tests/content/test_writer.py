"""Writing briefs: every combination once, nothing twice, exactly what changed, every failure counted."""

import pytest
from sqlalchemy import select

from dpgf_assets.content.criteria import Combination, Criteria
from dpgf_assets.content.reference import refresh_reference
from dpgf_assets.content.template import TemplateGenerator
from dpgf_assets.content.writer import pregenerate
from dpgf_assets.warehouse.schema import pregenerated_content, projects
from dpgf_assets_tests.content.builders import document, item


@pytest.fixture
def three_projects(engine):
    for n in (1, 2, 3):
        document(engine, f"Projets/P{n}", "Offre - Lot 02.xlsx",
                 [item("Enduit monocouche", "m2", 100, 20.0 + n), item("Béton de propreté", "m2", 50, 12.0)],
                 declared=2000.0 + 100 * n + 600)
    refresh_reference(engine, 5)
    return engine


def stored(engine):
    with engine.connect() as conn:
        return {(r.key, r.audience, r.theme, r.style): (r.facts_hash, r.generated_at, r.text) for r in conn.execute(
            select(projects.c.key, pregenerated_content).join(projects, projects.c.id == pregenerated_content.c.project_id))}


def test_36_briefs_per_project_then_a_second_run_writes_nothing(three_projects):
    generator = TemplateGenerator()
    first = pregenerate(three_projects, Criteria(), generator, workers=2)
    assert (first.projects, first.combinations, first.generated, first.failed) == (3, 108, 108, 0)
    rows = stored(three_projects)
    assert len(rows) == 108 and {k[0] for k in rows} == {"Projets/P1", "Projets/P2", "Projets/P3"}
    assert all(text.startswith("## ") for _, _, text in rows.values())
    second = pregenerate(three_projects, Criteria(), generator, workers=2)
    assert (second.generated, second.refreshed, second.skipped, second.failed) == (0, 0, 108, 0)
    assert stored(three_projects) == rows  # not even rewritten: same generated_at


def test_the_configured_criteria_make_the_product(three_projects):
    criteria = Criteria(audiences=("economiste", "direction"), themes=("points_de_vigilance",),
                        styles=("court", "tableau"))
    report = pregenerate(three_projects, criteria, TemplateGenerator(), sequential=True)
    assert report.generated == 3 * 4 and len(stored(three_projects)) == 12
    # narrowing the criteria drops the briefs no longer configured, in the same transaction per project
    narrow = Criteria(audiences=("direction",), themes=("points_de_vigilance",), styles=("court",))
    report = pregenerate(three_projects, narrow, TemplateGenerator(), sequential=True)
    assert (report.skipped, report.removed) == (3, 9)
    assert {k[1:] for k in stored(three_projects)} == {("direction", "points_de_vigilance", "court")}


def test_a_change_in_one_project_rewrites_exactly_its_briefs_and_force_rewrites_all(three_projects):
    generator = TemplateGenerator()
    pregenerate(three_projects, Criteria(), generator, workers=3)
    before = stored(three_projects)
    document(three_projects, "Projets/P2", "Offre - Lot 02.xlsx",
             [item("Enduit monocouche", "m2", 120, 22.0), item("Béton de propreté", "m2", 50, 12.0)], declared=3240.0)
    report = pregenerate(three_projects, Criteria(), generator, workers=3)
    assert (report.generated, report.refreshed, report.skipped) == (0, 36, 72)
    after = stored(three_projects)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {k for k in before if k[0] == "Projets/P2"}
    assert "3\u202f240\u00a0€ HT" in after[("Projets/P2", "maitre_ouvrage", "synthese_financiere", "court")][2]
    forced = pregenerate(three_projects, Criteria(), generator, force=True, sequential=True)
    assert (forced.generated, forced.refreshed, forced.skipped) == (0, 108, 0)
    assert all(stored(three_projects)[k][1] != after[k][1] for k in after)


class FailingOnce(TemplateGenerator):
    """The template generator, except that one combination raises."""

    def generate(self, facts, combination):
        if combination == Combination("entreprise", "points_de_vigilance", "tableau"):
            raise RuntimeError("template exploded")
        return super().generate(facts, combination)


def test_a_failing_combination_is_counted_logged_and_the_other_35_written(engine, caplog):
    document(engine, "Projets/Solo", "Offre.xlsx", [item("Enduit", "m2", 10, 20.0)])
    with caplog.at_level("WARNING", logger="dpgf_assets.content.writer"):
        report = pregenerate(engine, Criteria(), FailingOnce(), workers=2)
    assert (report.generated, report.failed) == (35, 1)
    failure, = report.failures
    assert failure.combination == Combination("entreprise", "points_de_vigilance", "tableau")
    assert "template exploded" in failure.error
    assert "Projets/Solo [entreprise × points_de_vigilance × tableau]: RuntimeError: template exploded" in caplog.text
    assert len(stored(engine)) == 35
    # the next run writes the missing one only
    again = pregenerate(engine, Criteria(), TemplateGenerator(), workers=2)
    assert (again.generated, again.skipped, again.failed) == (1, 35, 0)


def test_another_generator_rewrites_the_briefs(three_projects):
    pregenerate(three_projects, Criteria(), TemplateGenerator(), sequential=True)

    class Renamed(TemplateGenerator):
        def __init__(self):
            super().__init__()
            self.name = "template:other-wording"

    report = pregenerate(three_projects, Criteria(), Renamed(), sequential=True, project_keys=["Projets/P1"])
    assert (report.projects, report.refreshed) == (1, 36)
