"""A trial as a process under the stdio transport: it exits on its own, and stops gracefully on stdin or SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Callable, List, Optional, Tuple

from kubetune._wire import REPORT_LINE_PREFIX

CHILD = Path(__file__).with_name("child.py")
SRC = Path(__file__).resolve().parents[1] / "src"


def run_child(mode: str, on_ready: Optional[Callable[["subprocess.Popen[str]"], None]] = None) -> Tuple[int, List[str], str]:
    env = {**os.environ, "KUBETUNE_REPORT": "stdio", "KUBETUNE_NATS_URL": "", "PYTHONPATH": str(SRC)}
    child = subprocess.Popen([sys.executable, str(CHILD), mode], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stderr is not None and child.stdout is not None
    err = ""
    for line in child.stderr:
        err += line
        if line == "ready\n" and on_ready is not None:
            on_ready(child)
    out = child.stdout.read()
    # The stdin pipe stays open throughout: the trial must not wait for it.
    code = child.wait()
    assert child.stdin is not None
    child.stdin.close()
    return code, [line[len(REPORT_LINE_PREFIX):] for line in out.splitlines() if line.startswith(REPORT_LINE_PREFIX)], err


def test_a_stdio_trial_exits_on_its_own_although_its_stdin_pipe_stays_open() -> None:
    code, reports, err = run_child("train")
    assert code == 0, err
    assert reports[-1] == '{"trial":"local","step":3,"metrics":{"loss":0.3333333333333333},"final":true}'
    assert len(reports) == 4


def send_stop_line(child: "subprocess.Popen[str]") -> None:
    assert child.stdin is not None
    child.stdin.write("garbage\n")
    child.stdin.write('{"action":"stop","reason":"median rule"}\n')
    child.stdin.flush()


def test_a_stop_line_on_stdin_stops_the_trial_gracefully_and_bad_lines_are_warned_about() -> None:
    code, reports, err = run_child("loop", send_stop_line)
    assert code == 0, err
    assert "done stopReason=median rule" in err
    assert "kubetune: ignoring bad control line on stdin: not JSON" in err
    assert reports[-1].endswith(',"final":true}')


def test_sigterm_is_a_graceful_stop_for_a_trial_with_on_stop() -> None:
    code, reports, err = run_child("loop", lambda c: c.send_signal(signal.SIGTERM))
    assert code == 0, err
    assert "done stopReason=SIGTERM" in err
    assert reports[-1].endswith(',"final":true}')


def test_sigterm_is_a_graceful_stop_for_a_trial_that_polls_should_stop() -> None:
    code, _, err = run_child("poll", lambda c: c.send_signal(signal.SIGTERM))
    assert code == 0, err
    assert "done stopReason=SIGTERM" in err


def test_sigterm_without_a_stop_handler_flushes_and_exits_143() -> None:
    code, reports, err = run_child("no-handler", lambda c: c.send_signal(signal.SIGTERM))
    assert code == 143
    assert "SIGTERM and no on_stop handler: flushing reports and exiting" in err
    assert "done stopReason" not in err
    assert reports and not reports[-1].endswith(',"final":true}')
