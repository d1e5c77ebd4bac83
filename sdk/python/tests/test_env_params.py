"""Transport selection from KUBETUNE_* and the trial's parameters, typed as declared."""

from __future__ import annotations

from typing import Optional

import pytest

import kubetune
from kubetune._env import ReplicaRole, ReporterConfig, replica_role, reporter_config_from_env


def test_the_environment_selects_the_transport_and_the_trial_address() -> None:
    assert reporter_config_from_env({}) == ReporterConfig("console", "default", "local", "local")
    assert reporter_config_from_env({"KUBETUNE_REPORT": "stdio", "KUBETUNE_TRIAL": "t-3"}).transport == "stdio"
    assert reporter_config_from_env({"KUBETUNE_REPORT": "stdio", "KUBETUNE_NATS_URL": ""}).transport == "stdio"
    env = {"KUBETUNE_NATS_URL": "nats://n:4222", "KUBETUNE_REPORT": "stdio", "KUBETUNE_NAMESPACE": "ns", "KUBETUNE_JOB": "j", "KUBETUNE_TRIAL": "j-00001"}
    assert reporter_config_from_env(env) == ReporterConfig("nats", "ns", "j", "j-00001", nats_url="nats://n:4222")
    assert reporter_config_from_env({**env, "KUBETUNE_REPORT_KEY": "k"}).report_key == "k"
    with pytest.raises(ValueError, match="KUBETUNE_NATS_URL is set but KUBETUNE_TRIAL is not"):
        reporter_config_from_env({"KUBETUNE_NATS_URL": "nats://n:4222", "KUBETUNE_JOB": "j"})
    with pytest.raises(ValueError, match='KUBETUNE_REPORT must be "stdio" or "console"'):
        reporter_config_from_env({"KUBETUNE_REPORT": "ipc"})
    with pytest.raises(ValueError, match="KUBETUNE_TRIAL must contain only letters"):
        reporter_config_from_env({"KUBETUNE_TRIAL": "a.b"})


def test_params_without_a_spec_are_the_json_values() -> None:
    env = {"KUBETUNE_PARAMS": '{"alpha":0.5,"units":32,"solver":"lbfgs","scale":1}'}
    p = kubetune.params(env=env)
    assert p == {"alpha": 0.5, "units": 32, "solver": "lbfgs", "scale": 1}
    assert type(p["units"]) is int and type(p["alpha"]) is float
    assert kubetune.params(env={}) == {} and kubetune.params(env={"KUBETUNE_PARAMS": ""}) == {}


def test_params_take_the_types_and_defaults_of_the_spec() -> None:
    # JSON writes the double 1.0 as 1: the spec's float default makes it a float again.
    env = {"KUBETUNE_PARAMS": '{"alpha":1,"units":32.0,"solver":"lbfgs","fit_intercept":"false","n":7,"extra":"kept"}'}
    p = kubetune.params({"alpha": 0.1, "units": 8, "solver": str, "fit_intercept": True, "n": str, "epochs": 10}, env=env)
    assert p == {"alpha": 1.0, "units": 32, "solver": "lbfgs", "fit_intercept": False, "n": "7", "epochs": 10, "extra": "kept"}
    assert type(p["alpha"]) is float and type(p["units"]) is int and type(p["fit_intercept"]) is bool


def test_params_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="KUBETUNE_PARAMS is not valid JSON"):
        kubetune.params(env={"KUBETUNE_PARAMS": "{alpha: 1}"})
    with pytest.raises(ValueError, match="KUBETUNE_PARAMS must be a JSON object"):
        kubetune.params(env={"KUBETUNE_PARAMS": "[1]"})
    with pytest.raises(ValueError, match="parameter units=2.5: expected an integer"):
        kubetune.params({"units": 8}, env={"KUBETUNE_PARAMS": '{"units":2.5}'})
    with pytest.raises(ValueError, match='parameter alpha="big": expected a number'):
        kubetune.params({"alpha": 0.1}, env={"KUBETUNE_PARAMS": '{"alpha":"big"}'})
    with pytest.raises(ValueError, match="parameter alpha is missing from KUBETUNE_PARAMS"):
        kubetune.params({"alpha": float}, env={})


def test_a_conditional_parameter_absent_while_inactive_is_none_when_declared_optional() -> None:
    spec = {"optimizer": str, "momentum": Optional[float], "layers": 1, "dropout": Optional[float]}
    inactive = kubetune.params(spec, env={"KUBETUNE_PARAMS": '{"optimizer":"adam","layers":1}'})
    assert inactive == {"optimizer": "adam", "momentum": None, "layers": 1, "dropout": None}
    active = kubetune.params(spec, env={"KUBETUNE_PARAMS": '{"optimizer":"sgd","momentum":1,"layers":2,"dropout":0.25}'})
    assert active == {"optimizer": "sgd", "momentum": 1.0, "layers": 2, "dropout": 0.25}
    assert type(active["momentum"]) is float
    with pytest.raises(ValueError, match=r"parameter momentum=\"x\": expected a number"):
        kubetune.params({"momentum": Optional[float]}, env={"KUBETUNE_PARAMS": '{"momentum":"x"}'})
    with pytest.raises(ValueError, match=r"a conditional parameter is absent while inactive: declare it Optional\[float\]"):
        kubetune.params({"momentum": float}, env={"KUBETUNE_PARAMS": '{"optimizer":"adam"}'})


def test_the_replica_whose_reports_make_the_curve_is_rank_0_or_the_named_one() -> None:
    assert replica_role({}) == ReplicaRole(0, 0, True)
    assert replica_role({"RANK": "2"}).primary is False
    assert replica_role({"JOB_COMPLETION_INDEX": "1"}).primary is False
    assert replica_role({"RANK": "", "JOB_COMPLETION_INDEX": "0"}).primary is True
    assert replica_role({"RANK": "3", "KUBETUNE_OBJECTIVE_RANK": "3"}) == ReplicaRole(3, 3, True)
    assert replica_role({"KUBETUNE_OBJECTIVE_RANK": "1"}).primary is False
    with pytest.raises(ValueError, match="KUBETUNE_OBJECTIVE_RANK must be a whole number"):
        replica_role({"KUBETUNE_OBJECTIVE_RANK": "first"})
