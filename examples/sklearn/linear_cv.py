"""A kubetune trial: 5-fold cross-validation of a scikit-learn linear model on the diabetes data.

The trial's parameters are the estimator's own (alpha, l1_ratio), set as GridSearchCV would set them,
and the scores are computed as GridSearchCV computes them: cross_validate with cv=5 (KFold without
shuffling, for a regressor) and the estimator's default score (R²). Each fold's score is reported at
steps 1..5, then mean_test_score and std_test_score (kubetune.sklearn.report_cv).

Run by hand (alpha defaults to 1.0; reports are printed on stderr):
    python examples/sklearn/linear_cv.py --model ridge
"""

import argparse

import kubetune
import kubetune.sklearn
from sklearn.datasets import load_diabetes
from sklearn.linear_model import ElasticNet, Lasso, Ridge
from sklearn.model_selection import cross_validate

MODELS = {"ridge": Ridge, "lasso": Lasso, "elasticnet": ElasticNet}


def main() -> None:
    parser = argparse.ArgumentParser(description="Cross-validate a linear model on the diabetes data with the trial's parameters.")
    parser.add_argument("--model", choices=sorted(MODELS), required=True, help="the estimator")
    parser.add_argument("--cv", type=int, default=5, help="number of folds (default 5, as GridSearchCV(cv=5))")
    args = parser.parse_args()

    params = kubetune.params({"alpha": 1.0})
    X, y = load_diabetes(return_X_y=True)
    with kubetune.connect() as reporter:
        scores = cross_validate(MODELS[args.model](**params), X, y, cv=args.cv)
        kubetune.sklearn.report_cv(reporter, scores)


if __name__ == "__main__":
    main()
