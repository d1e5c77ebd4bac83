"""The transport of a trainer run by hand: readable lines on stderr, sent nowhere."""

from __future__ import annotations

from typing import TextIO

from ._wire import MetricMessage, js_number


def format_humane(m: MetricMessage) -> str:
    """One readable line per report, e.g. ``step 3  loss=0.1234  accuracy=0.9512`` (4 significant digits)."""
    values = "  ".join(f"{k}={js_number(v) if float(v).is_integer() else js_number(float(f'{v:.4g}'))}" for k, v in m.metrics.items())
    return f"{'final  ' if m.final else ''}step {m.step}  {values}".rstrip()


class ConsoleSink:
    """Prints each report on stderr as ``kubetune: step …``."""

    def __init__(self, stderr: TextIO) -> None:
        self._stderr = stderr

    def send(self, message: MetricMessage) -> bool:
        self._stderr.write(f"kubetune: {format_humane(message)}\n")
        self._stderr.flush()
        return True

    def close(self) -> None:
        pass
