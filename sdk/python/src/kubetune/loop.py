"""A plain training loop (PyTorch, JAX, NumPy…): epochs that end early on a stop request, and a loop that reports them."""

from __future__ import annotations

import time
from typing import Callable, Dict, Iterator, Mapping

from ._reporter import Reporter


def epochs(reporter: Reporter, count: int, *, first: int = 1) -> Iterator[int]:
    """Yields epoch numbers ``first`` … ``first + count - 1``, stopping early once a stop is requested.

    ``for epoch in kubetune.loop.epochs(reporter, 20): …; reporter.report(epoch, {...})``, then ``reporter.final()``.
    """
    for epoch in range(first, first + count):
        if reporter.should_stop():
            return
        yield epoch


def report_epochs(reporter: Reporter, count: int, train_epoch: Callable[[int], Mapping[str, float]], *, first: int = 1) -> Dict[str, float]:
    """Runs ``train_epoch(epoch)`` per epoch, reports what it returns plus ``epoch_time_seconds``, and sends the final
    report: the last epoch's metrics plus ``epochs_completed``. Stops early on a stop request; returns the final metrics.
    """
    last: Dict[str, float] = {}
    completed = 0
    for epoch in epochs(reporter, count, first=first):
        started = time.monotonic()
        metrics = dict(train_epoch(epoch))
        metrics["epoch_time_seconds"] = time.monotonic() - started
        reporter.report(epoch, metrics)
        last, completed = metrics, completed + 1
    final = {**last, "epochs_completed": float(completed)}
    reporter.final(final)
    return final
