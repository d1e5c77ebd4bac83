"""The wire format of docs/metrics-protocol.md: report bodies, subjects, message ids, signatures, control messages.

Bodies are written byte for byte as the TypeScript SDK writes them (JavaScript's JSON.stringify), so a
report reads the same whichever SDK sent it, and the stdio lines of both SDKs can be compared.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Mapping, Optional, Union

METRICS_SUBJECT_PREFIX = "kubetune.metrics"
CONTROL_SUBJECT_PREFIX = "kubetune.control"
REPORT_LINE_PREFIX = "@@kubetune "
SIGNATURE_HEADER = "Kubetune-Signature"
SIGNATURE_PREFIX = "v1="
MSG_ID_HEADER = "Nats-Msg-Id"
MAX_MESSAGE_BYTES = 64 * 1024
MAX_METRICS_PER_REPORT = 256
MAX_STEP = 2**31 - 1
MAX_STOP_REASON_CHARS = 1024

_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")
METRIC_NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$")
# Properties of JavaScript's Object.prototype: the controller keeps metrics in plain objects, where these
# names would be lost or misread, so it refuses them (controller/src/api/metrics.ts, isReservedMetricName).
RESERVED_METRIC_NAMES = frozenset(
    {
        "constructor", "__defineGetter__", "__defineSetter__", "hasOwnProperty", "__lookupGetter__",
        "__lookupSetter__", "isPrototypeOf", "propertyIsEnumerable", "toString", "valueOf", "__proto__",
        "toLocaleString",
    }
)


@dataclass(frozen=True)
class MetricMessage:
    """One report of one trial at one step; ``final`` marks the trial's last report."""

    trial: str
    step: int
    metrics: Mapping[str, float]
    final: bool = False


def is_subject_token(s: str) -> bool:
    """Whether ``s`` can be a NATS subject token (letters, digits, ``-``, ``_``)."""
    return bool(_TOKEN.match(s))


def metric_name_problem(name: object) -> Optional[str]:
    """Why ``name`` cannot be a metric name, or None when it can."""
    if not isinstance(name, str) or not METRIC_NAME_PATTERN.match(name):
        return "must start with a letter or '_' and use letters, digits, '_', '.', ':' or '-' (max 128 chars)"
    if name in RESERVED_METRIC_NAMES:
        return "is a reserved name (a property of JavaScript objects, such as __proto__ or constructor); rename the metric"
    return None


def _subject(prefix: str, namespace: str, job: str, trial: str) -> str:
    for key, value in (("namespace", namespace), ("job", job), ("trial", trial)):
        if not is_subject_token(value):
            raise ValueError(f"{key} {json.dumps(value)} must contain only letters, digits, '-' and '_' (it becomes a NATS subject token)")
    return f"{prefix}.{namespace}.{job}.{trial}"


def metrics_subject(namespace: str, job: str, trial: str) -> str:
    """Subject a trial publishes its reports on."""
    return _subject(METRICS_SUBJECT_PREFIX, namespace, job, trial)


def control_subject(namespace: str, job: str, trial: str) -> str:
    """Subject a trial listens on for stop requests."""
    return _subject(CONTROL_SUBJECT_PREFIX, namespace, job, trial)


def message_id(namespace: str, trial: str, step: int, final: bool = False) -> str:
    """JetStream message id of a report: ``<namespace>/<trial>/<step>[/final]``."""
    return f"{namespace}/{trial}/{step}{'/final' if final else ''}"


def sign_report(key: str, subject: str, body: bytes) -> str:
    """The ``Kubetune-Signature`` value: "v1=" and base64url (no padding) of HMAC-SHA256(key, subject + LF + body)."""
    digest = hmac.new(key.encode("utf-8"), subject.encode("utf-8") + b"\n" + body, hashlib.sha256).digest()
    return SIGNATURE_PREFIX + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def signed_message_id(plain_id: str, signature: str) -> str:
    """A signed report's message id: the plain id, "/", and the signature's first 16 characters."""
    start = len(SIGNATURE_PREFIX)
    return f"{plain_id}/{signature[start:start + 16]}"


def js_number(value: float) -> str:
    """Formats a finite number exactly as JavaScript's ``String(value)`` / ``JSON.stringify`` does."""
    if value == 0:
        return "0"  # JSON.stringify(-0) is "0" too
    if value < 0:
        return "-" + js_number(-value)
    # repr is the shortest round-tripping decimal, as in JavaScript; only the layout differs.
    sign, digit_tuple, exponent = Decimal(repr(float(value))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    k = len(digits)
    n = int(exponent) + k  # value = 0.digits × 10^n
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def encode_metric_message(m: MetricMessage) -> bytes:
    """Serializes a report to its wire body; raises ValueError for an invalid or oversized report."""
    if not is_subject_token(m.trial):
        raise ValueError(f"invalid metric message: trial {json.dumps(m.trial)} must contain only letters, digits, '-' and '_'")
    if isinstance(m.step, bool) or not isinstance(m.step, int) or not 0 <= m.step <= MAX_STEP:
        raise ValueError(f"invalid metric message: step must be an integer from 0 to {MAX_STEP}, got {m.step!r}")
    if len(m.metrics) > MAX_METRICS_PER_REPORT:
        raise ValueError(f"invalid metric message: a report carries at most {MAX_METRICS_PER_REPORT} metrics, got {len(m.metrics)}")
    parts = []
    for name, value in m.metrics.items():
        problem = metric_name_problem(name)
        if problem is not None:
            raise ValueError(f"invalid metric message: metric name {json.dumps(name)} {problem}")
        parts.append(f"{json.dumps(name)}:{js_number(value)}")
    final = ',"final":true' if m.final else ""
    body = '{"trial":' + json.dumps(m.trial) + ',"step":' + str(m.step) + ',"metrics":{' + ",".join(parts) + "}" + final + "}"
    data = body.encode("utf-8")
    if len(data) > MAX_MESSAGE_BYTES:
        raise ValueError(f"metric message is {len(data)} bytes, over the {MAX_MESSAGE_BYTES}-byte limit; report fewer metrics per step")
    return data


def format_report_line(m: MetricMessage) -> str:
    """The stdout line a trial under ``kubetune run`` writes for one report (without the newline)."""
    return REPORT_LINE_PREFIX + encode_metric_message(m).decode("utf-8")


def decode_control_message(data: Union[str, bytes]) -> Union[str, ValueError]:
    """The stop reason of a control message ``{"action":"stop","reason":"..."}``, or a ValueError saying what is wrong."""
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        return ValueError(f"not JSON: {e}")
    if not isinstance(value, dict):
        return ValueError("expected a JSON object such as {\"action\":\"stop\",\"reason\":\"...\"}")
    extra = sorted(set(value) - {"action", "reason"})
    if extra:
        return ValueError(f"unrecognized key(s): {', '.join(extra)}")
    if value.get("action") != "stop":
        return ValueError(f'action must be "stop", got {json.dumps(value.get("action"))}')
    reason = value.get("reason")
    if not isinstance(reason, str):
        return ValueError("reason must be a string")
    if len(reason) > MAX_STOP_REASON_CHARS:
        return ValueError(f"reason must be at most {MAX_STOP_REASON_CHARS} characters")
    return reason
