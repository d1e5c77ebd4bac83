"""Reads the transport and the trial's address from the KUBETUNE_* environment, as the TypeScript SDK does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from ._wire import is_subject_token

TRANSPORTS = ("nats", "stdio", "console")


@dataclass(frozen=True)
class ReporterConfig:
    """How a reporter delivers reports (``nats``, ``stdio`` or ``console``) and the trial it reports for."""

    transport: str
    namespace: str
    job: str
    trial: str
    nats_url: Optional[str] = None
    report_key: Optional[str] = None


def _get(env: Mapping[str, str], name: str) -> Optional[str]:
    # Kubernetes may set a variable to "" when a template renders nothing; that counts as unset.
    value = env.get(name)
    return value if value else None


def reporter_config_from_env(env: Mapping[str, str]) -> ReporterConfig:
    """Reads the reporter configuration from ``env``; raises ValueError naming the bad variable and the fix."""
    report = _get(env, "KUBETUNE_REPORT")
    if report is not None and report not in ("stdio", "console"):
        raise ValueError(f'kubetune reporter: KUBETUNE_REPORT must be "stdio" or "console" (or unset), got {report!r}')
    for name in ("KUBETUNE_NAMESPACE", "KUBETUNE_JOB", "KUBETUNE_TRIAL"):
        value = _get(env, name)
        if value is not None and not is_subject_token(value):
            raise ValueError(f"kubetune reporter: {name} must contain only letters, digits, '-' and '_' (it becomes a NATS subject token), got {value!r}")
    namespace = _get(env, "KUBETUNE_NAMESPACE") or "default"
    nats_url = _get(env, "KUBETUNE_NATS_URL")
    if nats_url is not None:
        missing = [k for k in ("KUBETUNE_JOB", "KUBETUNE_TRIAL") if _get(env, k) is None]
        if missing:
            verb = "are" if len(missing) > 1 else "is"
            raise ValueError(
                f"kubetune reporter: KUBETUNE_NATS_URL is set but {' and '.join(missing)} {verb} not; "
                "the controller sets all of them in trial Pods — set them too when running by hand"
            )
        return ReporterConfig(
            "nats", namespace, env["KUBETUNE_JOB"], env["KUBETUNE_TRIAL"], nats_url=nats_url, report_key=_get(env, "KUBETUNE_REPORT_KEY")
        )
    return ReporterConfig(report or "console", namespace, _get(env, "KUBETUNE_JOB") or "local", _get(env, "KUBETUNE_TRIAL") or "local")
