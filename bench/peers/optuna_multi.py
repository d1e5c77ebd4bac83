"""Runs the multi-objective Optuna studies that bench/peers/multi.ts asks for and stores each one's trials.

Usage: optuna_multi.py PROBLEMS.json JOBS
PROBLEMS.json holds the problems and the tasks (problem, sampler tpe|nsga2|gp, seed, trials, path);
each finished study is written to its task's path as every trial's objective values and constraint
metrics (run.ts computes the hypervolume with kubetune's own code). The problems are re-implemented
here; every problem's check points (evaluated by the TypeScript side) must match.
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


def zdt_g(x):
    return 1 + 9 * sum(x[1:]) / (len(x) - 1)


def zdt1(x):
    g = zdt_g(x)
    return [x[0], g * (1 - math.sqrt(x[0] / g))], {}


def zdt2(x):
    g = zdt_g(x)
    return [x[0], g * (1 - (x[0] / g) ** 2)], {}


def dtlz2(x, m):
    g = sum((v - 0.5) ** 2 for v in x[m - 1:])
    out = []
    for k in range(m):
        f = 1 + g
        for j in range(m - 1 - k):
            f *= math.cos(x[j] * math.pi / 2)
        if k > 0:
            f *= math.sin(x[m - 1 - k] * math.pi / 2)
        out.append(f)
    return out


def c2dtlz2_constraint(f, r):
    m = len(f)
    sq = sum(v * v for v in f)
    v1 = min((f[i] - 1) ** 2 + (sq - f[i] ** 2) - r * r for i in range(m))
    a = 1 / math.sqrt(m)
    v2 = sum((v - a) ** 2 for v in f) - r * r
    return min(v1, v2)


def c2dtlz2(x):
    f = dtlz2(x, 2)
    return f, {"c": c2dtlz2_constraint(f, 0.2)}


PROBLEMS = {"zdt1": zdt1, "zdt2": zdt2, "dtlz2": lambda x: (dtlz2(x, 3), {}), "c2dtlz2": c2dtlz2}


def constraints_func_for(problem):
    """Optuna's convention: each value <= 0 means satisfied; kubetune's bounds become value - max and min - value."""
    bounds = problem["constraints"]
    if not bounds:
        return None

    def constraints(trial):
        metrics = trial.user_attrs["metrics"]
        out = []
        for c in bounds:
            v = metrics[c["metric"]]
            if "max" in c:
                out.append(v - c["max"])
            if "min" in c:
                out.append(c["min"] - v)
        return out

    return constraints


# The cache key holds the sampler's name only: after changing its settings here, rerun with --fresh.
def sampler_for(name, seed, constraints):
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed, constraints_func=constraints)
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, constraints_func=constraints)
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed, constraints_func=constraints)
    raise SystemExit(f"unknown sampler {name!r}: use tpe, nsga2 or gp")


def run_one(job):
    """One study; writes {problem, sampler, seed, optuna, seconds, values, metrics} to the task's path."""
    problem, task = job
    torch.set_num_threads(1)
    started = time.time()
    fn = PROBLEMS[problem["name"]]
    dims = len(problem["parameters"])

    def objective(trial):
        x = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(dims)]
        values, metrics = fn(x)
        trial.set_user_attr("metrics", metrics)
        return values

    sampler = sampler_for(task["sampler"], task["seed"], constraints_func_for(problem))
    study = optuna.create_study(directions=["minimize"] * problem["objectives"], sampler=sampler)
    study.optimize(objective, n_trials=task["trials"])
    result = {
        "problem": task["problem"], "sampler": task["sampler"], "seed": task["seed"], "optuna": optuna.__version__,
        "seconds": time.time() - started,
        "values": [t.values for t in study.trials],
        "metrics": [t.user_attrs["metrics"] for t in study.trials],
    }
    tmp = f"{task['path']}.{os.getpid()}.tmp"
    with open(tmp, "w") as out:
        json.dump(result, out)
    os.replace(tmp, task["path"])
    return task, result["seconds"]


def main():
    problems_path, jobs = sys.argv[1], int(sys.argv[2])
    spec = json.load(open(problems_path))
    problems = {p["name"]: p for p in spec["problems"]}
    for problem in spec["problems"]:
        fn = PROBLEMS[problem["name"]]
        for check in problem["checks"]:
            x = [check["params"][f"x{i}"] for i in range(len(problem["parameters"]))]
            values, metrics = fn(x)
            want = check["values"] + [check["metrics"][k] for k in sorted(check["metrics"])]
            got = values + [metrics[k] for k in sorted(metrics)]
            if len(got) != len(want) or any(not math.isclose(g, w, rel_tol=1e-9, abs_tol=1e-9) for g, w in zip(got, want)):
                raise SystemExit(f"{problem['name']}: Python gives {got} at {x}, TypeScript {want}")
    tasks = spec["tasks"]
    started = time.time()
    with multiprocessing.Pool(jobs) as pool:
        for done, (task, seconds) in enumerate(pool.imap_unordered(run_one, [(problems[t["problem"]], t) for t in tasks]), 1):
            print(
                f"optuna {done}/{len(tasks)}: {task['problem']} {task['sampler']} seed {task['seed']} "
                f"in {seconds:.0f} s ({time.time() - started:.0f} s total)",
                file=sys.stderr, flush=True,
            )


if __name__ == "__main__":
    main()
