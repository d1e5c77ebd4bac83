"""The integrations: a plain loop, the Keras callback (against a stand-in Keras), scikit-learn's cross_validate."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

import kubetune

from conftest import wait_for
from test_reporter import reporter

SRC = Path(__file__).resolve().parents[1] / "src"


def test_importing_kubetune_loads_neither_keras_nor_sklearn_nor_the_nats_client() -> None:
    code = "import sys, kubetune; print(sorted(m for m in ('keras', 'tensorflow', 'sklearn', 'numpy', 'nats') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": str(SRC)}, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_epochs_end_early_on_a_stop_and_report_epochs_sends_the_final_report() -> None:
    r, sink = reporter()
    seen: List[int] = []

    def train(epoch: int) -> Dict[str, float]:
        seen.append(epoch)
        if epoch == 3:
            r._request_stop("median rule")
        return {"loss": 1 / epoch}

    final = kubetune.loop.report_epochs(r, 10, train)
    assert seen == [1, 2, 3]
    assert [(m.step, m.final) for m in sink.sent] == [(1, False), (2, False), (3, False), (3, True)]
    assert final["epochs_completed"] == 3 and final["loss"] == 1 / 3 and "epoch_time_seconds" in final
    assert dict(sink.sent[-1].metrics) == final
    assert list(kubetune.loop.epochs(reporter()[0], 3, first=0)) == [0, 1, 2]


class FakeCallback:
    """What KubetuneCallback needs of keras.callbacks.Callback: Keras sets `model` before fit calls the hooks."""

    def __init__(self) -> None:
        self.model: Optional[Any] = None

    def set_model(self, model: Any) -> None:
        self.model = model


@pytest.fixture
def fake_keras(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    keras = types.ModuleType("keras")
    keras.callbacks = types.SimpleNamespace(Callback=FakeCallback)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keras", keras)
    monkeypatch.setattr(kubetune.keras, "_cache", {})
    yield


def test_the_keras_callback_reports_epochs_under_kubetune_names_and_stops_fit(fake_keras: None) -> None:
    r, sink = reporter()
    cb = kubetune.keras.KubetuneCallback(r, samples_per_epoch=100)
    assert isinstance(cb, FakeCallback)
    model = types.SimpleNamespace(stop_training=False)
    cb.set_model(model)
    cb.on_epoch_begin(0)
    cb.on_epoch_end(0, {"loss": 0.9, "acc": 0.5, "val_loss": 1.0, "val_acc": 0.4, "note": "x"})
    assert model.stop_training is False
    cb.on_epoch_begin(1)
    r._request_stop("asha")
    wait_for("stop_training", lambda: model.stop_training)
    cb.on_epoch_end(1, {"loss": 0.5})  # cut short by the stop: not reported
    assert len(sink.sent) == 1 and sink.sent[0].step == 1
    assert sorted(sink.sent[0].metrics) == ["accuracy", "epoch_time_seconds", "loss", "samples_per_second", "val_accuracy", "val_loss"]
    cb.on_epoch_begin(2)  # fit went on regardless: the stop is applied again
    assert model.stop_training is True


def test_without_keras_the_callback_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keras", None)
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    monkeypatch.setattr(kubetune.keras, "_cache", {})
    with pytest.raises(ImportError, match="pip install keras"):
        kubetune.keras.KubetuneCallback


def test_report_cv_reports_each_fold_and_gridsearchcv_style_means_and_stds() -> None:
    r, sink = reporter()
    cv = {"fit_time": [0.1, 0.3], "score_time": [0.01, 0.03], "test_score": [0.5, 0.7], "train_score": [0.9, 0.8], "estimator": ["a", "b"]}
    summary = kubetune.sklearn.report_cv(r, cv)
    assert [(m.step, dict(m.metrics), m.final) for m in sink.sent[:2]] == [
        (1, {"fit_time": 0.1, "score_time": 0.01, "test_score": 0.5, "train_score": 0.9}, False),
        (2, {"fit_time": 0.3, "score_time": 0.03, "test_score": 0.7, "train_score": 0.8}, False),
    ]
    assert sink.sent[2].final and sink.sent[2].step == 2 and dict(sink.sent[2].metrics) == summary
    assert summary["mean_test_score"] == pytest.approx(0.6) and summary["std_test_score"] == pytest.approx(0.1)
    assert summary["mean_train_score"] == pytest.approx(0.85) and summary["std_fit_time"] == pytest.approx(0.1)
    assert sorted(summary) == sorted(f"{s}_{k}" for s in ("mean", "std") for k in ("fit_time", "score_time", "test_score", "train_score"))


def test_report_cv_names_every_scorer_of_a_multi_metric_result_and_refuses_other_input() -> None:
    r, sink = reporter()
    summary = kubetune.sklearn.report_cv(r, {"test_r2": [0.1, 0.2, 0.3], "test_neg_mse": [-3.0, -2.0, -1.0]}, final=False)
    assert [m.step for m in sink.sent] == [1, 2, 3] and not any(m.final for m in sink.sent)
    assert summary["mean_test_neg_mse"] == -2.0 and summary["std_test_r2"] == pytest.approx((2 / 300) ** 0.5)
    with pytest.raises(ValueError, match="no test_\\* scores"):
        kubetune.sklearn.report_cv(r, {"fit_time": [1.0]})
    with pytest.raises(ValueError, match="same length"):
        kubetune.sklearn.report_cv(r, {"test_score": [1.0, 2.0], "fit_time": [1.0]})


def test_report_cv_summary_is_gridsearchcvs_for_the_same_folds() -> None:
    # Runs where scikit-learn is in the venv (test/prereqs.sh installs it for the scikit-learn examples).
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV, cross_validate

    X, y = load_diabetes(return_X_y=True)
    r, sink = reporter()
    summary = kubetune.sklearn.report_cv(r, cross_validate(Ridge(alpha=0.1), X, y, cv=5, return_train_score=True))
    grid = GridSearchCV(Ridge(), {"alpha": [0.1]}, cv=5, return_train_score=True).fit(X, y)
    for key in ("mean_test_score", "std_test_score", "mean_train_score", "std_train_score"):
        assert summary[key] == grid.cv_results_[key][0], key
    assert [m.step for m in sink.sent] == [1, 2, 3, 4, 5, 5]
