"""The trial's hyperparameters (KUBETUNE_PARAMS), typed as the training code declares them."""

from __future__ import annotations

import json
import math
import os
import typing
from typing import Any, Dict, Mapping, Optional, Union

ParamValue = Union[str, int, float, bool]
# A spec entry is a default value (whose type the parameter takes), a bare type (the parameter is required),
# or Optional[type] (a conditional parameter: None while inactive, i.e. absent from KUBETUNE_PARAMS).
SpecEntry = Union[ParamValue, type, Any]

_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")


def params(spec: Optional[Mapping[str, SpecEntry]] = None, *, env: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """The trial's parameters from KUBETUNE_PARAMS; with ``spec`` converted to its types and missing ones defaulted.

    KUBETUNE_PARAMS carries values only (JSON numbers print 1.0 as 1), so without ``spec`` a whole number
    comes back as int. ``spec`` maps a name to a default (``{"alpha": 1.0}`` makes alpha a float, 1.0 when
    absent, e.g. when run by hand) or to a type (``{"alpha": float}``: required). Raises ValueError naming
    the parameter and what was expected.
    """
    raw = (os.environ if env is None else env).get("KUBETUNE_PARAMS") or "{}"
    try:
        given = json.loads(raw)
    except ValueError as e:
        raise ValueError(f'KUBETUNE_PARAMS is not valid JSON ({e}); expected an object such as {{"learningRate":0.01}}') from None
    if not isinstance(given, dict):
        raise ValueError('KUBETUNE_PARAMS must be a JSON object such as {"learningRate":0.01}')
    out: Dict[str, Any] = dict(given)
    for name, entry in (spec or {}).items():
        optional = _optional_type(entry)
        if optional is not None:
            out[name] = _convert(name, given[name], optional) if name in given else None
            continue
        kind = entry if isinstance(entry, type) else type(entry)
        if name in given:
            out[name] = _convert(name, given[name], kind)
        elif isinstance(entry, type):
            raise ValueError(
                f"parameter {name} is missing from KUBETUNE_PARAMS; add it to the TuningJob's parameters or give a default in the spec"
                f" (a conditional parameter is absent while inactive: declare it Optional[{entry.__name__}] or give a default)"
            )
        else:
            out[name] = entry
    return out


def _optional_type(entry: Any) -> Optional[type]:
    """The T of an ``Optional[T]`` (or ``T | None``) spec entry; None for any other entry."""
    if isinstance(entry, type) and typing.get_origin(entry) is None:
        return None
    args = [a for a in typing.get_args(entry) if a is not type(None)]
    if len(args) == 1 and len(typing.get_args(entry)) == 2 and isinstance(args[0], type):
        return args[0]
    return None


def _convert(name: str, value: Any, kind: type) -> Any:
    where = f"parameter {name}={json.dumps(value)}"
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise ValueError(f"{where}: expected a boolean (true/false)")
    if kind is str:
        return value if isinstance(value, str) else json.dumps(value)
    if kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        number = _number(where, value)
        if not math.isfinite(number) or number != int(number):
            raise ValueError(f"{where}: expected an integer; declare the parameter as type: int or use a float default in the spec")
        return int(number)
    if kind is float:
        return float(_number(where, value))
    raise ValueError(f"parameter {name}: the spec's type {kind.__name__} is not one of str, int, float, bool")


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{where}: expected a number, got a boolean")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected a number") from None
