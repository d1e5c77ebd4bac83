"""A tiny training loop run as a process by test_process.py: stdio reporting, stop handling and exit codes.

Modes: ``train`` (3 steps), ``loop`` (until stopped; on_stop registered), ``poll`` (until stopped; polls
should_stop only), ``no-handler`` (never listens for stops).
"""

import sys
import time

import kubetune

mode = sys.argv[1] if len(sys.argv) > 1 else "train"
reporter = kubetune.connect()
stopping = False


def stop(reason: str) -> None:
    global stopping
    stopping = True


if mode == "loop":
    reporter.on_stop(stop)
with reporter:
    for step in range(1, 4 if mode == "train" else 10_000):
        reporter.report(step, {"loss": 1 / step})
        if stopping or (mode == "poll" and reporter.should_stop()):
            break
        if step == 1:
            print("ready", file=sys.stderr, flush=True)
        time.sleep(0.02)
    reporter.final()
print(f"done stopReason={reporter.stop_reason}", file=sys.stderr, flush=True)
