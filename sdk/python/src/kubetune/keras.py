"""A Keras callback that reports each epoch's logs and stops ``fit`` on a stop request.

Keras is imported when ``KubetuneCallback`` is first used, not with kubetune, so the SDK does not depend on it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional

from ._reporter import Reporter

# Keras logs accuracy as `acc` in some versions; kubetune's documented names spell it out.
_RENAMES = {"acc": "accuracy", "val_acc": "val_accuracy"}


def metrics_from_logs(logs: Optional[Mapping[str, Any]]) -> Dict[str, float]:
    """Keras epoch logs as kubetune metrics: numbers only (tensors and NumPy scalars converted), ``acc`` renamed."""
    out: Dict[str, float] = {}
    for key, value in (logs or {}).items():
        if isinstance(value, (str, bytes)):
            continue
        try:
            out[_RENAMES.get(key, key)] = float(value)
        except (TypeError, ValueError):
            continue
    return out


def _callback_base() -> type:
    try:
        import keras

        return keras.callbacks.Callback  # type: ignore[no-any-return]
    except ImportError:
        pass
    try:
        from tensorflow import keras as tf_keras

        return tf_keras.callbacks.Callback  # type: ignore[no-any-return]
    except ImportError:
        raise ImportError("kubetune.keras.KubetuneCallback needs Keras: pip install keras (or tensorflow)") from None


def _make_class() -> type:
    base = _callback_base()

    class KubetuneCallback(base):  # type: ignore[misc, valid-type]
        """Reports every epoch (plus ``epoch_time_seconds``, and ``samples_per_second`` when ``samples_per_epoch`` is
        given) at step ``first_step + epoch``, and sets ``model.stop_training`` when a stop is requested."""

        def __init__(self, reporter: Reporter, *, first_step: int = 1, samples_per_epoch: Optional[int] = None) -> None:
            super().__init__()
            self.reporter = reporter
            self.first_step = first_step
            self.samples_per_epoch = samples_per_epoch
            self._started = 0.0
            self._stopped_before = False
            reporter.on_stop(self._stop)

        def _stop(self, reason: str) -> None:
            model = getattr(self, "model", None)
            if model is not None:
                model.stop_training = True

        def on_epoch_begin(self, epoch: int, logs: Optional[Mapping[str, Any]] = None) -> None:
            self._started = time.monotonic()
            self._stopped_before = self.reporter.should_stop()
            if self._stopped_before:
                self.model.stop_training = True

        def on_epoch_end(self, epoch: int, logs: Optional[Mapping[str, Any]] = None) -> None:
            seconds = time.monotonic() - self._started
            # Keras 3 leaves the batch loop as soon as stop_training is set: an epoch cut short by a stop covers
            # part of the data, and reporting it would skew the learning curve.
            if self.reporter.should_stop() and not self._stopped_before:
                return
            metrics = metrics_from_logs(logs)
            metrics["epoch_time_seconds"] = seconds
            if self.samples_per_epoch is not None and seconds > 0:
                metrics["samples_per_second"] = self.samples_per_epoch / seconds
            self.reporter.report(self.first_step + epoch, metrics)

    return KubetuneCallback


_cache: Dict[str, type] = {}

if TYPE_CHECKING:
    KubetuneCallback: Any


def __getattr__(name: str) -> Any:
    # PEP 562: the class derives from Keras's Callback, so it is built on first use, when Keras is imported.
    if name != "KubetuneCallback":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name not in _cache:
        _cache[name] = _make_class()
    return _cache[name]
