"""connect(): builds a Reporter over the transport the environment selects, and makes SIGTERM a stop request."""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
from typing import Any, Mapping, Optional, TextIO

from ._console import ConsoleSink
from ._env import OBJECTIVE_RANK_ENV, replica_role, reporter_config_from_env
from ._nats import NatsOptions, NatsSink
from ._reporter import Reporter
from ._stdio import StdioSink

EXIT_SIGTERM = 143  # 128 + SIGTERM, the conventional status of a process ended by SIGTERM


def connect(
    *,
    env: Optional[Mapping[str, str]] = None,
    stdout: Optional[TextIO] = None,
    stdin: Optional[TextIO] = None,
    stderr: Optional[TextIO] = None,
    handle_signals: bool = True,
    nats: Optional[NatsOptions] = None,
) -> Reporter:
    """A Reporter over NATS JetStream when KUBETUNE_NATS_URL is set, ``@@kubetune`` stdout lines when
    KUBETUNE_REPORT=stdio, else readable lines on stderr. Every argument defaults to the process's own.

    Raises ValueError for a bad environment and ConnectionError when NATS cannot be reached.
    """
    config = reporter_config_from_env(os.environ if env is None else env)
    err = stderr if stderr is not None else sys.stderr

    def warn(line: str) -> None:
        err.write(f"kubetune: {line}\n")
        err.flush()

    role = replica_role(os.environ if env is None else env)
    reporter = Reporter(config.transport, config.trial, warn)
    if config.transport == "nats":
        sink: Any = NatsSink(
            config.nats_url or "", config.namespace, config.job, config.trial, config.report_key, reporter._request_stop, warn, nats or NatsOptions()
        )
        if not role.primary:
            warn(
                f"replica rank {role.rank}: reports stay on stderr (the trial's curve comes from rank {role.objective_rank}, "
                f"{OBJECTIVE_RANK_ENV}); stop requests still reach this replica"
            )
            sink = ListenOnlySink(sink, ConsoleSink(err))
    elif config.transport == "stdio":
        sink = StdioSink(stdout if stdout is not None else sys.stdout, stdin if stdin is not None else sys.stdin, reporter._request_stop, warn)
    else:
        sink = ConsoleSink(err)
    reporter._attach(sink)
    # A program that forgets close() (or exits on an exception) still has its connection drained.
    atexit.register(reporter.close)
    reporter._add_close_hook(lambda: atexit.unregister(reporter.close))
    if handle_signals:
        _handle_sigterm(reporter, warn)
    return reporter


class ListenOnlySink:
    """The sink of a non-reporting replica: its NATS connection stays (for stop requests); its reports go to stderr only."""

    def __init__(self, sink: Any, local: ConsoleSink) -> None:
        self._sink = sink
        self._local = local

    def send(self, message: Any) -> bool:
        return self._local.send(message)

    def close(self) -> None:
        self._sink.close()


def _handle_sigterm(reporter: Reporter, warn: Any) -> None:
    """SIGTERM becomes a stop request; a program that cannot stop gracefully exits 143 (its reports flushed)."""
    if threading.current_thread() is not threading.main_thread():
        return  # Python only lets the main thread set signal handlers; the stop then arrives by message only.

    def on_sigterm(signum: int, frame: Any) -> None:
        if reporter.stop_reason is not None:
            warn("second SIGTERM: exiting now")
            sys.stdout.flush()
            os._exit(EXIT_SIGTERM)
        if not reporter._listens_for_stop():
            warn("SIGTERM and no on_stop handler: flushing reports and exiting")
            reporter._request_stop("SIGTERM")
            # Unwinds the main thread (running `with` blocks and finally clauses); atexit then closes the reporter.
            raise SystemExit(EXIT_SIGTERM)
        reporter._request_stop("SIGTERM")

    previous = signal.signal(signal.SIGTERM, on_sigterm)

    def restore() -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)

    reporter._add_close_hook(restore)
