"""Runs the Optuna studies that bench/peers/run.ts asks for and stores each one's regret curve.

Usage: optuna_bench.py PROBLEMS.json JOBS
PROBLEMS.json holds the problems and the tasks (function, sampler tpe|gp, seed, trials, path); each
finished study is written to its task's path (the cache run.ts reads), so an interrupted run keeps it.
The test functions are re-implemented here; every problem's check points (evaluated by the
TypeScript side) must match, so both sides provably optimize identical functions.
"""
import json
import math
import multiprocessing
import os
import sys
import time

import optuna
import torch

optuna.logging.set_verbosity(optuna.logging.WARNING)


def branin(p):
    x1, x2 = p["x0"], p["x1"]
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


H3_A = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]]
H3_P = [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
H6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H6_P = [
    [1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
    [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381],
]
H_ALPHA = [1, 1.2, 3, 3.2]


def xs(p, d):
    return [p[f"x{i}"] for i in range(d)]


def hartmann(x, A, P):
    s = 0.0
    for i in range(4):
        inner = sum(A[i][j] * (xj - P[i][j] * 1e-4) ** 2 for j, xj in enumerate(x))
        s += H_ALPHA[i] * math.exp(-inner)
    return -s


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def ackley(x):
    d = len(x)
    sq = sum(v * v for v in x) / d
    cs = sum(math.cos(2 * math.pi * v) for v in x) / d
    return -20 * math.exp(-0.2 * math.sqrt(sq)) - math.exp(cs) + 20 + math.e


def levy(x):
    w = [1 + (v - 1) / 4 for v in x]
    s = math.sin(math.pi * w[0]) ** 2 + (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)
    for wi in w[:-1]:
        s += (wi - 1) ** 2 * (1 + 10 * math.sin(math.pi * wi + 1) ** 2)
    return s


def styblinski_tang(x):
    return sum(v**4 - 16 * v * v + 5 * v for v in x) / 2


BEST_LOG_LR = {"sgd": -1, "momentum": -1.5, "adam": -3, "rmsprop": -3.5}
OPT_PENALTY = {"sgd": 0.3, "momentum": 0.1, "adam": 0, "rmsprop": 0.05}
ACT_PENALTY = {"relu": 0.02, "tanh": 0.1, "gelu": 0}


def mixed_loss(p):
    opt, act, layers = p["optimizer"], p["activation"], p["layers"]
    return (
        0.5 * (math.log10(p["lr"]) - BEST_LOG_LR[opt]) ** 2
        + 0.02 * math.log2(p["batch"] / 64) ** 2
        + 0.1 * (layers - 3) ** 2
        + 4 * (p["dropout"] - 0.2) ** 2
        + OPT_PENALTY[opt]
        + ACT_PENALTY[act]
        + (0.05 * abs(layers - 3) if act == "tanh" else 0)
    )


FUNCTIONS = {
    "branin": branin,
    "hartmann3": lambda p: hartmann(xs(p, 3), H3_A, H3_P),
    "hartmann6": lambda p: hartmann(xs(p, 6), H6_A, H6_P),
    "rosenbrock4": lambda p: rosenbrock(xs(p, 4)),
    "rosenbrock4-dejong": lambda p: rosenbrock(xs(p, 4)),
    "ackley6": lambda p: ackley(xs(p, 6)),
    "levy6": lambda p: levy(xs(p, 6)),
    "styblinski-tang4": lambda p: styblinski_tang(xs(p, 4)),
    "mixed-mlp": mixed_loss,
}


def suggest(trial, spec):
    """Maps one kubetune parameter to the matching Optuna distribution."""
    name, kind = spec["name"], spec["type"]
    log = spec.get("scale") == "log"
    if kind == "double":
        return trial.suggest_float(name, spec["min"], spec["max"], log=log, step=spec.get("step"))
    if kind == "int":
        return trial.suggest_int(name, spec["min"], spec["max"], log=log, step=spec.get("step", 1))
    return trial.suggest_categorical(name, spec["values"])


# The cache key holds the sampler's name only: after changing its settings here, rerun with --fresh.
def sampler_for(name, seed):
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed)
    raise SystemExit(f"unknown sampler {name!r}: use tpe or gp")


def run_one(job):
    """One study; writes {function, sampler, seed, optuna, seconds, regret} to the task's path."""
    problem, task = job
    torch.set_num_threads(1)  # one study per core; parallelism comes from the pool
    started = time.time()
    fn = FUNCTIONS[problem["name"]]
    study = optuna.create_study(sampler=sampler_for(task["sampler"], task["seed"]))
    study.optimize(lambda t: fn({p["name"]: suggest(t, p) for p in problem["parameters"]}), n_trials=task["trials"])
    regret, best = [], math.inf
    for t in study.trials:
        best = min(best, t.value)
        regret.append(max(0.0, best - problem["optimum"]))
    seconds = time.time() - started
    result = {
        "function": task["function"], "sampler": task["sampler"], "seed": task["seed"],
        "optuna": optuna.__version__, "seconds": seconds, "regret": regret,
    }
    tmp = f"{task['path']}.{os.getpid()}.tmp"
    with open(tmp, "w") as out:
        json.dump(result, out)
    os.replace(tmp, task["path"])  # atomic: a killed run never leaves a half-written study behind
    return task, seconds


def main():
    problems_path, jobs = sys.argv[1], int(sys.argv[2])
    spec = json.load(open(problems_path))
    problems = {p["name"]: p for p in spec["problems"]}
    for problem in spec["problems"]:
        fn = FUNCTIONS[problem["name"]]
        for check in problem["checks"]:
            got = fn(check["params"])
            if not math.isclose(got, check["value"], rel_tol=1e-9, abs_tol=1e-9):
                raise SystemExit(f"{problem['name']}: Python gives {got} at {check['params']}, TypeScript {check['value']}")
    tasks = spec["tasks"]
    started = time.time()
    with multiprocessing.Pool(jobs) as pool:
        studies = pool.imap_unordered(run_one, [(problems[t["function"]], t) for t in tasks])
        for done, (task, seconds) in enumerate(studies, 1):
            print(
                f"optuna {done}/{len(tasks)}: {task['function']} {task['sampler']} seed {task['seed']} "
                f"in {seconds:.0f} s ({time.time() - started:.0f} s total)",
                file=sys.stderr, flush=True,
            )


if __name__ == "__main__":
    main()
