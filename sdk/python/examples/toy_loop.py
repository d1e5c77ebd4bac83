"""A toy training loop reporting through the kubetune SDK: what a PyTorch-style trial looks like, without PyTorch.

The "model" converges geometrically to ``offset``: ``val_loss = offset + (1 - lr) ** epoch``. Parameters
(KUBETUNE_PARAMS, defaults when run by hand): ``lr``, ``epochs``, ``offset``, ``epoch_seconds`` (the time an
epoch takes). A stop request ends it after the current epoch with a final report, and is logged on stderr.
"""

import sys
import time

import kubetune

params = kubetune.params({"lr": 0.3, "epochs": 10, "offset": 0.0, "epoch_seconds": 0.0})
print(f"toy_loop: params {params}", file=sys.stderr, flush=True)


def train_epoch(epoch: int) -> dict:
    time.sleep(params["epoch_seconds"])
    loss = params["offset"] + (1 - params["lr"]) ** epoch
    return {"loss": loss * 0.9, "val_loss": loss}


def on_stop(reason: str) -> None:
    print(f"toy_loop: on_stop ran: {reason}", file=sys.stderr, flush=True)


with kubetune.connect() as reporter:
    reporter.on_stop(on_stop)
    final = kubetune.loop.report_epochs(reporter, params["epochs"], train_epoch)
print(f"toy_loop: done after {int(final['epochs_completed'])} epochs via {reporter.transport}", file=sys.stderr, flush=True)
