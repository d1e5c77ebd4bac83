"""The Reporter's contract, over an in-memory transport: order, validation, NaN dropping, final, stop callbacks."""

from __future__ import annotations

import io
import threading
from typing import List

import pytest

import kubetune
from kubetune._reporter import Reporter, ReportStats
from kubetune._wire import MetricMessage

from conftest import wait_for


class MemorySink:
    def __init__(self, fail_steps: tuple[int, ...] = ()) -> None:
        self.sent: List[MetricMessage] = []
        self.closed = 0
        self.fail_steps = fail_steps

    def send(self, message: MetricMessage) -> bool:
        if message.step in self.fail_steps:
            return False
        self.sent.append(message)
        return True

    def close(self) -> None:
        self.closed += 1


def reporter(warnings: List[str] | None = None, sink: MemorySink | None = None) -> tuple[Reporter, MemorySink]:
    r = Reporter("console", "t", (warnings if warnings is not None else []).append)
    s = sink or MemorySink()
    r._attach(s)
    return r, s


def test_reports_are_delivered_in_call_order_and_final_repeats_the_last_step() -> None:
    r, sink = reporter()
    threads = [threading.Thread(target=r.report, args=(step, {"loss": float(step)})) for step in (1, 2, 3)]
    for t in threads:
        t.start()
        t.join()
    r.final()
    r.close()
    r.close()
    assert [(m.step, dict(m.metrics), m.final) for m in sink.sent] == [(1, {"loss": 1}, False), (2, {"loss": 2}, False), (3, {"loss": 3}, False), (3, {"loss": 3}, True)]
    assert sink.closed == 1
    assert r.stats == ReportStats(sent=4, dropped=0)
    with pytest.raises(RuntimeError, match="report after close"):
        r.report(4, {"loss": 1})


def test_bad_input_is_refused_and_non_finite_values_are_dropped_with_one_warning() -> None:
    warnings: List[str] = []
    r, sink = reporter(warnings)
    with pytest.raises(ValueError, match="step must be ≥ 0"):
        r.report(-1, {})
    with pytest.raises(TypeError, match="step must be an integer"):
        r.report(1.5, {})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="step must be an integer"):
        r.report(True, {})
    with pytest.raises(ValueError, match="metric name 'bad name'"):
        r.report(1, {"bad name": 1})
    with pytest.raises(ValueError, match="reserved name"):
        r.report(1, {"constructor": 1})
    with pytest.raises(TypeError, match="metric loss must be a number, got str"):
        r.report(1, {"loss": "0.5"})  # type: ignore[dict-item]
    r.report(1, {"loss": float("nan"), "accuracy": 0.5, "n": 3})
    r.report(2, {"loss": float("inf"), "accuracy": 0.6, "huge": 10**400})
    r.final({"accuracy": 0.6})
    with pytest.raises(RuntimeError, match="already called"):
        r.final()
    with pytest.raises(RuntimeError, match=r"report\(\) after final\(\)"):
        r.report(3, {"accuracy": 0.7})
    assert [dict(m.metrics) for m in sink.sent] == [{"accuracy": 0.5, "n": 3.0}, {"accuracy": 0.6}, {"accuracy": 0.6}]
    assert warnings == ["metric loss is NaN; non-finite values are not reported", "metric huge is Infinity; non-finite values are not reported"]


def test_a_report_the_transport_gives_up_on_counts_as_dropped() -> None:
    r, _ = reporter(sink=MemorySink(fail_steps=(2,)))
    r.report(1, {"loss": 1})
    r.report(2, {"loss": 1})
    assert r.stats == ReportStats(sent=1, dropped=1)


def test_on_stop_fires_once_per_listener_also_for_listeners_added_after_the_stop() -> None:
    r, _ = reporter()
    seen: List[str] = []
    off = r.on_stop(lambda why: seen.append(f"a:{why}"))
    r.on_stop(lambda why: seen.append(f"b:{why}"))
    off()
    assert not r.should_stop()
    r._request_stop("median rule")
    r._request_stop("again")
    late: List[str] = []
    r.on_stop(late.append)
    wait_for("the late listener", lambda: late)
    assert seen == ["b:median rule"] and late == ["median rule"]
    assert r.should_stop() and r.stop_reason == "median rule"


def test_a_callback_may_report_and_a_failing_one_does_not_silence_the_others() -> None:
    warnings: List[str] = []
    r, sink = reporter(warnings)

    def boom(reason: str) -> None:
        raise RuntimeError("callback bug")

    r.on_stop(boom)
    r.on_stop(lambda why: r.report(9, {"stopped": 1}))
    r._request_stop("asha")
    wait_for("the report from the callback", lambda: sink.sent)
    assert sink.sent[0].step == 9
    assert any("raised RuntimeError: callback bug" in w for w in warnings)


def test_the_console_transport_prints_readable_lines_on_stderr_only() -> None:
    out, err = io.StringIO(), io.StringIO()
    with kubetune.connect(env={}, stdout=out, stderr=err, handle_signals=False) as r:
        assert r.transport == "console" and r.trial == "local"
        r.report(2, {"loss": 0.123456, "samples_per_second": 1500})
        r.final()
    assert out.getvalue() == ""
    assert err.getvalue() == "kubetune: step 2  loss=0.1235  samples_per_second=1500\nkubetune: final  step 2  loss=0.1235  samples_per_second=1500\n"
