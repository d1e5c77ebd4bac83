"""Reports scikit-learn cross-validation (``cross_validate``'s result) as per-fold steps and GridSearchCV-style summaries.

Works on the plain dict ``cross_validate`` returns, so scikit-learn itself is never imported here.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Mapping, Sequence

from ._reporter import Reporter

# Keys of cross_validate's result that hold one value per fold and are worth a curve; estimators and indices are not.
_PER_FOLD_PREFIXES = ("test_", "train_")
_TIMES = ("fit_time", "score_time")


def cv_summary(cv_result: Mapping[str, Sequence[Any]]) -> Dict[str, float]:
    """``mean_<key>`` and ``std_<key>`` of every score and time in ``cv_result``, named and computed as in
    ``GridSearchCV.cv_results_`` (population std, ddof=0): ``mean_test_score``, ``std_test_score``, ``mean_fit_time``…"""
    out: Dict[str, float] = {}
    for key, values in _fold_columns(cv_result).items():
        mean = sum(values) / len(values)
        out[f"mean_{key}"] = mean
        out[f"std_{key}"] = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return out


def report_cv(reporter: Reporter, cv_result: Mapping[str, Sequence[Any]], *, final: bool = True) -> Dict[str, float]:
    """Reports fold k (1-based) of ``cross_validate``'s result at step k (``test_score``, ``train_score``,
    ``fit_time``, ``score_time``, or ``test_<name>`` per scorer), then, unless ``final=False``, the final report
    with :func:`cv_summary`'s means and stds. Returns the summary."""
    columns = _fold_columns(cv_result)
    folds = len(next(iter(columns.values())))
    for fold in range(folds):
        reporter.report(fold + 1, {key: values[fold] for key, values in columns.items()})
    summary = cv_summary(cv_result)
    if final:
        reporter.final(summary)
    return summary


def _fold_columns(cv_result: Mapping[str, Sequence[Any]]) -> Dict[str, List[float]]:
    columns = {
        key: [float(v) for v in values]
        for key, values in cv_result.items()
        if key in _TIMES or key.startswith(_PER_FOLD_PREFIXES)
    }
    if not any(key.startswith("test_") for key in columns):
        raise ValueError(f"cv_result has no test_* scores (keys: {', '.join(cv_result)}); pass the dict sklearn.model_selection.cross_validate returns")
    lengths = {len(values) for values in columns.values()}
    if len(lengths) != 1 or 0 in lengths:
        raise ValueError(f"cv_result's columns must hold one value per fold, all of the same length; got lengths {sorted(lengths)}")
    return columns
