"""The steps on both warehouses (SQLite and a real PostgreSQL): loads by mode replace, predictions are
keyed by model version, and a second prediction pass has nothing left to do."""

from sqlalchemy import func, select

from dpgf_assets.corpus.priced import priced_documents, write_priced
from dpgf_assets.ml import steps
from dpgf_assets.warehouse.schema import line_items, trade_predictions, training_lines
from dpgf_assets.warehouse.trades import current_model_version


def test_the_steps_on_each_warehouse(engine, tmp_path):
    write_priced(engine, priced_documents(12, 5, seed=3, size=0.5))
    cfg = steps.MLConfig(mode="dev", data_dir=tmp_path, sample_size=400, folds=2, family="naive_bayes", trees=5,
                         linear_alpha=1e-5, seed=1, compare_families=False)
    for _ in range(2):  # loading the mode again replaces its lines
        assert steps.load(engine, cfg, steps.transform(steps.extract(engine), cfg)) == 400
    steps.fit_features(engine, cfg)
    model = steps.train(engine, cfg)
    first, second = steps.predict(engine, cfg), steps.predict(engine, cfg)
    with engine.connect() as conn:
        lines = conn.execute(select(func.count()).select_from(line_items)).scalar_one()
        assert conn.execute(select(func.count()).select_from(training_lines)).scalar_one() == 400
        assert conn.execute(select(func.count()).select_from(trade_predictions)
                            .where(trade_predictions.c.model_version == model.model_version)).scalar_one() == lines
        assert current_model_version(conn) == model.model_version
    assert (first.predicted, second.predicted) == (lines, 0)
