"""The object training code reports through: validates input, delivers reports in order, tracks stop requests."""

from __future__ import annotations

import math
import numbers
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Callable, Dict, List, Mapping, Optional, Protocol, Set, Type

from ._wire import MAX_STEP, MetricMessage, metric_name_problem

StopCallback = Callable[[str], None]


class Sink(Protocol):
    """Delivers reports; implemented once per transport. ``send`` never raises: it returns whether it delivered."""

    def send(self, message: MetricMessage) -> bool: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class ReportStats:
    """Reports delivered and given up on so far."""

    sent: int
    dropped: int


class Reporter:
    """Reports a trial's metrics and tells it when kubetune asks it to stop. Use ``kubetune.connect()`` to get one."""

    def __init__(self, transport: str, trial: str, warn: Callable[[str], None]) -> None:
        self._transport = transport
        self._trial = trial
        self._warn = warn
        self._sink: Optional[Sink] = None
        # One delivery at a time keeps reports in call order, also when several threads report.
        self._deliver_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._last_step = 0
        self._last_metrics: Dict[str, float] = {}
        self._final_sent = False
        self._closed = False
        self._stop_reason: Optional[str] = None
        self._listeners: List[StopCallback] = []
        self._polled = False
        self._sent = 0
        self._dropped = 0
        self._warned_non_finite: Set[str] = set()
        self._on_close: List[Callable[[], None]] = []

    @property
    def transport(self) -> str:
        """``nats``, ``stdio`` or ``console``: where reports go (chosen from the environment)."""
        return self._transport

    @property
    def trial(self) -> str:
        """The trial's name (KUBETUNE_TRIAL, ``local`` outside a cluster)."""
        return self._trial

    @property
    def stop_reason(self) -> Optional[str]:
        """Why a stop was requested, or None while none was."""
        return self._stop_reason

    @property
    def stats(self) -> ReportStats:
        """Number of reports sent and dropped so far."""
        return ReportStats(self._sent, self._dropped)

    def should_stop(self) -> bool:
        """True once a stop was requested (control message, stdin line or SIGTERM): finish up and call ``final``."""
        self._polled = True
        return self._stop_reason is not None

    def report(self, step: int, metrics: Mapping[str, float]) -> None:
        """Reports ``metrics`` at ``step`` (an epoch or iteration, ≥ 0); returns once delivered or given up on."""
        if isinstance(step, bool) or not isinstance(step, numbers.Integral):
            raise TypeError(f"kubetune reporter: step must be an integer, got {step!r}")
        if not 0 <= int(step) <= MAX_STEP:
            raise ValueError(f"kubetune reporter: step must be ≥ 0 and ≤ {MAX_STEP}, got {step}")
        clean = self._clean(metrics)
        with self._deliver_lock:
            if self._final_sent and not self._closed:
                raise RuntimeError("kubetune reporter: report() after final(); final() sends the trial's last report, so report every step before it")
            self._last_step, self._last_metrics = int(step), clean
            self._send_locked(MetricMessage(self._trial, int(step), clean))

    def final(self, metrics: Optional[Mapping[str, float]] = None) -> None:
        """Sends the last report: the last step again, with ``metrics`` (default: the last step's). Call once."""
        clean = None if metrics is None else self._clean(metrics)
        with self._deliver_lock:
            if self._final_sent:
                raise RuntimeError("kubetune reporter: final() was already called")
            self._send_locked(MetricMessage(self._trial, self._last_step, dict(self._last_metrics) if clean is None else clean, final=True))
            self._final_sent = True

    def on_stop(self, callback: StopCallback) -> Callable[[], None]:
        """Calls ``callback(reason)`` once when a stop is requested (at once if it was); returns an unsubscribe function.

        The callback runs on a background thread: keep it short (set a flag, ``model.stop_training = True``).
        """
        with self._state_lock:
            self._listeners.append(callback)
            reason = self._stop_reason
        if reason is not None:
            self._run_callbacks([callback], reason)

        def unsubscribe() -> None:
            with self._state_lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return unsubscribe

    def close(self) -> None:
        """Waits for a report in flight, then releases the transport (bounded: about the publish timeout). Idempotent."""
        with self._deliver_lock:
            if self._closed:
                return
            self._closed = True
            try:
                if self._sink is not None:
                    self._sink.close()
            finally:
                for hook in self._on_close:
                    hook()

    def __enter__(self) -> "Reporter":
        return self

    def __exit__(self, kind: Optional[Type[BaseException]], value: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        self.close()

    # Used by the transports and the signal handler.

    def _attach(self, sink: Sink) -> None:
        self._sink = sink

    def _add_close_hook(self, hook: Callable[[], None]) -> None:
        self._on_close.append(hook)

    def _request_stop(self, reason: str) -> None:
        with self._state_lock:
            if self._stop_reason is not None:
                return
            self._stop_reason = reason
            listeners = list(self._listeners)
        self._run_callbacks(listeners, reason)

    def _listens_for_stop(self) -> bool:
        """Whether the program can stop gracefully: it registered an on_stop callback or polls should_stop()."""
        return self._polled or bool(self._listeners)

    def _run_callbacks(self, callbacks: List[StopCallback], reason: str) -> None:
        # Stops arrive on the NATS event-loop thread, the stdin thread or in a signal handler; a callback run there
        # could deadlock by reporting, so callbacks get a thread of their own.
        def run() -> None:
            for cb in callbacks:
                try:
                    cb(reason)
                except Exception as e:  # noqa: BLE001 — a failing callback must not silence the others
                    self._warn(f"on_stop callback {getattr(cb, '__name__', cb)!s} raised {type(e).__name__}: {e}")

        if callbacks:
            threading.Thread(target=run, name="kubetune-on-stop", daemon=True).start()

    def _clean(self, metrics: Mapping[str, float]) -> Dict[str, float]:
        # Non-finite values (a diverging loss) cannot travel as JSON numbers; drop them rather than the whole report.
        out: Dict[str, float] = {}
        for name, value in metrics.items():
            problem = metric_name_problem(name)
            if problem is not None:
                raise ValueError(f"kubetune reporter: metric name {name!r} {problem}")
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"kubetune reporter: metric {name} must be a number, got {type(value).__name__}")
            try:
                number = float(value)
            except OverflowError:
                number = math.inf if value > 0 else -math.inf
            if math.isfinite(number):
                out[name] = number
            elif name not in self._warned_non_finite:
                self._warned_non_finite.add(name)
                self._warn(f"metric {name} is {_js_name(number)}; non-finite values are not reported")
        return out

    def _send_locked(self, message: MetricMessage) -> None:
        """Sends one report; the caller holds the delivery lock, so reports go one at a time, in call order."""
        if self._closed:
            raise RuntimeError("kubetune reporter: report after close()")
        if self._sink is None:
            raise RuntimeError("kubetune reporter: no transport attached; get a Reporter from kubetune.connect()")
        if self._sink.send(message):
            self._sent += 1
        else:
            self._dropped += 1


def _js_name(x: float) -> str:
    """NaN, Infinity or -Infinity: the names the TypeScript SDK's warning uses."""
    if math.isnan(x):
        return "NaN"
    return "Infinity" if x > 0 else "-Infinity"
