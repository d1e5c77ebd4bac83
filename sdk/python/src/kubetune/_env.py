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


# Variables that give a replica's rank, read in this order: torchrun and PyTorchJob, Indexed Jobs
# (and JobSet's), Open MPI, MPICH. The same list as the TypeScript SDK's RANK_ENV.
RANK_ENV = ("RANK", "JOB_COMPLETION_INDEX", "OMPI_COMM_WORLD_RANK", "PMI_RANK")
OBJECTIVE_RANK_ENV = "KUBETUNE_OBJECTIVE_RANK"


@dataclass(frozen=True)
class ReplicaRole:
    """This replica's rank, the rank whose reports make the trial's curve, and whether they are the same."""

    rank: int
    objective_rank: int
    primary: bool


def _whole(value: Optional[str]) -> Optional[int]:
    return int(value.strip()) if value is not None and value.strip().isdigit() else None


def replica_role(env: Mapping[str, str]) -> ReplicaRole:
    """The rank (first of RANK_ENV that is a whole number, else 0) and whether this replica reports; raises ValueError for a bad KUBETUNE_OBJECTIVE_RANK."""
    rank = next((r for r in (_whole(_get(env, k)) for k in RANK_ENV) if r is not None), 0)
    named = _get(env, OBJECTIVE_RANK_ENV)
    objective_rank = 0 if named is None else _whole(named)
    if objective_rank is None:
        raise ValueError(f"kubetune reporter: {OBJECTIVE_RANK_ENV} must be a whole number (the rank whose reports make the curve), got {named!r}")
    return ReplicaRole(rank, objective_rank, rank == objective_rank)
