"""The transport in a cluster: JetStream publishes with acks, signed, and stop requests on the control subject.

nats-py is asyncio-only while the SDK's API is synchronous (training loops, Keras callbacks and scikit-learn
code are plain functions), so the client runs on an event loop in a daemon thread of its own: training
code blocks only while a report is being acknowledged, and stop requests are received while it computes.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, TypeVar

from ._wire import (
    MSG_ID_HEADER,
    SIGNATURE_HEADER,
    MetricMessage,
    control_subject,
    decode_control_message,
    encode_metric_message,
    message_id,
    metrics_subject,
    sign_report,
    signed_message_id,
)

T = TypeVar("T")


@dataclass(frozen=True)
class NatsOptions:
    """Retry and timeout bounds of the NATS transport; together they cap how long one report can take (~14 s)."""

    publish_attempts: int = 5
    """Publish attempts per report before it is dropped."""
    publish_timeout: float = 2.0
    """Seconds one publish waits for JetStream's ack."""
    connect_attempts: int = 10
    """Connection attempts (0.5 s apart) before connect() fails."""
    retry_delay: float = 0.2
    """First retry delay in seconds, doubled per attempt up to 2 s."""


class NatsSink:
    """Publishes to JetStream with the id ``<namespace>/<trial>/<step>[/final][/<signature>]`` and listens for stops."""

    def __init__(
        self,
        url: str,
        namespace: str,
        job: str,
        trial: str,
        report_key: Optional[str],
        on_stop: Callable[[str], None],
        warn: Callable[[str], None],
        options: NatsOptions,
    ) -> None:
        self._namespace, self._trial, self._key = namespace, trial, report_key
        self._subject = metrics_subject(namespace, job, trial)
        self._control = control_subject(namespace, job, trial)
        self._on_stop, self._warn, self._o = on_stop, warn, options
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="kubetune-nats", daemon=True)
        self._thread.start()
        try:
            self._nc: Any = self._call(self._connect(url))
        except BaseException:
            self._stop_loop()
            raise
        if report_key is None:
            warn("KUBETUNE_REPORT_KEY is not set: reports go unsigned, and a controller that verifies senders (the default) rejects them")

    def _call(self, coro: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()  # type: ignore[arg-type]

    async def _connect(self, url: str) -> Any:
        import nats  # imported here so that programs run by hand or under `kubetune run` never load the client

        # Reconnecting forever keeps a trial reporting across NATS restarts, but nats-py then also retries the
        # first connection forever (0.5 s apart); counting those failures bounds it to connect_attempts.
        failures: List[BaseException] = []
        connecting: "asyncio.Task[Any]"

        async def on_error(e: Exception) -> None:
            if connecting.done():
                return  # a later disconnect: reconnecting is nats-py's job and each publish retries
            failures.append(e)
            if len(failures) >= self._o.connect_attempts:
                connecting.cancel()

        connecting = asyncio.ensure_future(
            nats.connect(
                servers=url.split(","),
                name=f"kubetune-trial-{self._trial}",
                allow_reconnect=True,
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.5,
                connect_timeout=self._o.publish_timeout,
                error_cb=on_error,
            )
        )
        try:
            nc = await connecting
        except asyncio.CancelledError:
            raise ConnectionError(
                f"kubetune reporter: cannot connect to NATS at {url} after {self._o.connect_attempts} attempts ({failures[-1]!r}); "
                "check KUBETUNE_NATS_URL and that the server is up"
            ) from None
        await nc.subscribe(self._control, cb=self._on_control)
        await nc.flush()
        return nc

    async def _on_control(self, msg: Any) -> None:
        reason = decode_control_message(msg.data)
        if isinstance(reason, ValueError):
            self._warn(f"ignoring bad control message: {reason}")
        else:
            self._on_stop(reason)

    def send(self, message: MetricMessage) -> bool:
        try:
            body = encode_metric_message(message)
        except ValueError as e:
            self._warn(str(e))
            return False
        msg_id = message_id(self._namespace, self._trial, message.step, message.final)
        headers: Dict[str, str] = {}
        if self._key is not None:
            signature = sign_report(self._key, self._subject, body)
            headers[SIGNATURE_HEADER] = signature
            msg_id = signed_message_id(msg_id, signature)
        headers[MSG_ID_HEADER] = msg_id
        return self._call(self._publish(message.step, body, headers))

    async def _publish(self, step: int, body: bytes, headers: Dict[str, str]) -> bool:
        js = self._nc.jetstream(timeout=self._o.publish_timeout)
        for attempt in range(1, self._o.publish_attempts + 1):
            try:
                await js.publish(self._subject, body, timeout=self._o.publish_timeout, headers=headers)
                return True
            except Exception as e:  # noqa: BLE001 — a lost ack, no stream, a reconnect: all are retried the same way
                if attempt == self._o.publish_attempts:
                    self._warn(f"dropping report of step {step} after {attempt} publish attempts: {type(e).__name__}: {e}")
                    return False
                await asyncio.sleep(min(2.0, self._o.retry_delay * 2 ** (attempt - 1)))
        return False

    def close(self) -> None:
        try:
            self._call(self._drain())
        finally:
            self._stop_loop()

    async def _drain(self) -> None:
        try:
            await asyncio.wait_for(self._nc.drain(), timeout=self._o.publish_timeout)
        except Exception:  # noqa: BLE001 — closing is best effort; the connection is closed below either way
            pass
        if not self._nc.is_closed:
            await self._nc.close()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()

