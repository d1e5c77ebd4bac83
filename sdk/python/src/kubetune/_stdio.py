"""The transport under ``kubetune run``: ``@@kubetune <json>`` lines on stdout, stop requests as JSON lines on stdin."""

from __future__ import annotations

import threading
from typing import Callable, Optional, TextIO

from ._wire import MetricMessage, decode_control_message, format_report_line


class StdioSink:
    """Writes one protocol line per report on stdout; a daemon thread reads control lines from stdin."""

    def __init__(self, stdout: TextIO, stdin: Optional[TextIO], on_stop: Callable[[str], None], warn: Callable[[str], None]) -> None:
        self._stdout = stdout
        self._warn = warn
        self._closed = threading.Event()
        if stdin is not None:  # None when the interpreter has no stdin (pythonw, a closed descriptor 0)
            # A daemon thread: the trial does not wait for stdin, and an open stdin pipe must not keep it alive.
            threading.Thread(target=self._read, args=(stdin, on_stop), name="kubetune-stdin", daemon=True).start()

    def _read(self, stdin: TextIO, on_stop: Callable[[str], None]) -> None:
        for line in stdin:
            if self._closed.is_set():
                return
            if not line.strip():
                continue
            reason = decode_control_message(line)
            if isinstance(reason, ValueError):
                self._warn(f"ignoring bad control line on stdin: {reason}")
            else:
                on_stop(reason)

    def send(self, message: MetricMessage) -> bool:
        try:
            line = format_report_line(message)
        except ValueError as e:
            self._warn(str(e))
            return False
        # Flushed per line: stdout is block-buffered when piped, and the runner reads reports as they come.
        self._stdout.write(line + "\n")
        self._stdout.flush()
        return True

    def close(self) -> None:
        self._closed.set()
