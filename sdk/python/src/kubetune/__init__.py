"""kubetune: report a trial's metrics to kubetune and obey its stop requests, from Python training code.

``kubetune.params()`` reads the trial's hyperparameters, ``kubetune.connect()`` returns a Reporter. The
integrations ``kubetune.keras``, ``kubetune.loop`` and ``kubetune.sklearn`` import their framework only
when used. docs/python.md is the guide; docs/metrics-protocol.md the contract.
"""

from . import keras, loop, sklearn
from ._connect import connect
from ._nats import NatsOptions
from ._params import params
from ._reporter import Reporter, ReportStats

__all__ = ["connect", "params", "Reporter", "ReportStats", "NatsOptions", "keras", "loop", "sklearn"]
__version__ = "0.1.0"
