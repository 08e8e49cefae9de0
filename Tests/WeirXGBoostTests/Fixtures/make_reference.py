"""Writes the xgboost reference cases WeirXGBoostTests compares against.

Each case is a small data set (CSV, label first, empty fields for missing values; or
libsvm, where absent indices are missing), the hyperparameters, and what xgboost made of
it: its JSON model, its predictions, SHAP contributions (and for a few, interaction values) on
the training records, and its per-round metrics.
Regenerate with the xgboost the benchmarks name (3.2.0):

    pip install xgboost-cpu==3.2.0 && python3 make_reference.py
"""
import json
import os

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
ROUNDS = 8
# Cases whose SHAP interaction values (first 20 records) are kept too.
INTERACTIONS = ("squarederror", "softprob", "lossguide")


def write_csv(path, X, y, w=None):
    with open(path, "w") as out:
        for i in range(len(y)):
            fields = [repr(float(y[i]))]
            if w is not None:
                fields.append(repr(float(w[i])))
            fields += ["" if np.isnan(v) else repr(float(v)) for v in X[i]]
            out.write(",".join(fields) + "\n")


def write_libsvm(path, X, y):
    with open(path, "w") as out:
        for i in range(len(y)):
            entries = [f"{j + 1}:{float(v)!r}" for j, v in enumerate(X[i]) if not np.isnan(v)]
            out.write(" ".join([repr(float(y[i]))] + entries) + "\n")


def write_ranking_libsvm(path, X, y, qid):
    """libsvm with query ids; indices are the features themselves (zero-based), as xgboost reads them."""
    with open(path, "w") as out:
        for i in range(len(y)):
            entries = [f"{j}:{float(v)!r}" for j, v in enumerate(X[i]) if not np.isnan(v)]
            out.write(" ".join([repr(float(y[i])), f"qid:{qid[i]}"] + entries) + "\n")


def main():
    rng = np.random.default_rng(2026)
    n = 200
    X = rng.normal(size=(n, 5)).astype(np.float32).astype(np.float64)
    X[rng.random(X.shape) < 0.1] = np.nan
    z = np.nan_to_num(X[:, 0]) + 0.5 * np.nan_to_num(X[:, 1]) ** 2 - 0.3 * np.nan_to_num(X[:, 2])
    binary = (z + rng.normal(size=n) * 0.5 > 0.5).astype(float)
    classes = np.digitize(z + rng.normal(size=n) * 0.3, [0, 1.2]).astype(float)
    weights = rng.uniform(0.2, 3, size=n)
    sparse = X.copy()
    sparse[:, 3:] = np.where(rng.random((n, 2)) < 0.7, np.nan, sparse[:, 3:])
    sizes = [40, 25, 1, 18, 30, 12, 20, 34, 20]
    qid = np.repeat(np.arange(len(sizes)) * 3 + 7, sizes)
    relevance = np.digitize(z + np.random.default_rng(7).normal(size=n) * 0.4, [-0.5, 0.5, 1.5, 2.5]).astype(float)
    relevance[(qid == qid[66]) | (qid == qid[150])] = relevance[66]  # the single record's group and one more: all equal
    cases = {
        "squarederror": ({"objective": "reg:squarederror", "eval_metric": "rmse,mae"}, z + rng.normal(size=n) * 0.3),
        "absoluteerror": ({"objective": "reg:absoluteerror"}, z + rng.standard_cauchy(size=n) * 0.3),
        "pseudohuber": ({"objective": "reg:pseudohubererror", "huber_slope": 0.7}, z + rng.normal(size=n) * 0.3),
        "logistic": ({"objective": "binary:logistic", "eval_metric": "logloss,error,auc,aucpr"}, binary),
        "logitraw": ({"objective": "binary:logitraw", "eval_metric": "auc"}, binary),
        "hinge": ({"objective": "binary:hinge"}, binary),
        "reglogistic": ({"objective": "reg:logistic"}, 1 / (1 + np.exp(-z))),
        "poisson": ({"objective": "count:poisson", "eval_metric": "poisson-nloglik,rmse"}, rng.poisson(np.exp(0.5 * z)).astype(float)),
        "gamma": ({"objective": "reg:gamma", "eval_metric": "gamma-nloglik,gamma-deviance"}, rng.gamma(2, np.exp(0.3 * z) / 2)),
        "tweedie": ({"objective": "reg:tweedie", "tweedie_variance_power": 1.3}, rng.poisson(np.exp(0.5 * z)).astype(float) * 1.3),
        "softprob": ({"objective": "multi:softprob", "num_class": 3, "eval_metric": "mlogloss,merror,auc"}, classes),
        "softmax": ({"objective": "multi:softmax", "num_class": 3}, classes),
        "regularised": ({"objective": "reg:squarederror", "alpha": 0.5, "lambda": 2, "gamma": 0.3, "min_child_weight": 3,
                         "max_delta_step": 0.5}, z + rng.normal(size=n) * 0.3),
        "lossguide": ({"objective": "binary:logistic", "grow_policy": "lossguide", "max_leaves": 6, "max_depth": 0}, binary),
        "constraints": ({"objective": "reg:squarederror", "monotone_constraints": "(1,0,-1,0,0)",
                         "interaction_constraints": "[[0,1],[2,3,4]]"}, z + rng.normal(size=n) * 0.3),
        "weighted": ({"objective": "binary:logistic", "csv_weights": 1, "scale_pos_weight": 1.7}, binary),
        "sparse": ({"objective": "binary:logistic", "eval_metric": "logloss"}, binary),
        # Learning to rank on query groups (libsvm qid): one group larger than the top 32,
        # a single-record group and a group whose records are all equally relevant.
        "ndcg": ({"objective": "rank:ndcg", "eval_metric": "ndcg,ndcg@5,ndcg@100-,auc"}, relevance),
        "pairwise": ({"objective": "rank:pairwise", "lambdarank_pair_method": "mean", "lambdarank_num_pair_per_sample": 3,
                      "eval_metric": "ndcg,ndcg@3"}, relevance),
        "map": ({"objective": "rank:map", "eval_metric": "map,map@5-,pre@4,ndcg@10,auc,aucpr"}, (relevance >= 2).astype(float)),
        "ndcglinear": ({"objective": "rank:ndcg", "ndcg_exp_gain": False, "lambdarank_num_pair_per_sample": 6,
                        "lambdarank_normalization": False, "lambdarank_score_normalization": False},
                       np.round(np.clip(z + 1.5, 0, None), 2)),
        # Click data: unbiased LambdaMART learns each logged position's bias (ti+, tj- in the model).
        "unbiased": ({"objective": "rank:ndcg", "lambdarank_unbiased": True, "lambdarank_bias_norm": 0.5,
                      "lambdarank_pair_method": "mean", "lambdarank_num_pair_per_sample": 4}, (relevance >= 2).astype(float)),
    }
    index = {}
    for name, (params, y) in cases.items():
        data = sparse if name == "sparse" else X
        ranking = params["objective"].startswith("rank:")
        if ranking:
            write_ranking_libsvm(os.path.join(HERE, f"{name}.libsvm"), data, y, qid)
        elif name == "sparse":
            write_libsvm(os.path.join(HERE, f"{name}.libsvm"), data, y)
        else:
            write_csv(os.path.join(HERE, f"{name}.csv"), data, y, weights if name == "weighted" else None)
        booster_params = {k: v for k, v in params.items() if k not in ("csv_weights", "eval_metric")}
        booster_params.update(tree_method="hist", nthread=1, max_depth=params.get("max_depth", 3), seed=0)
        if "eval_metric" in params:
            booster_params["eval_metric"] = params["eval_metric"].split(",")
        if name == "sparse":
            # As SageMaker's container reads libsvm: the file's indices are the features.
            d = xgb.DMatrix(os.path.join(HERE, f"{name}.libsvm") + "?format=libsvm")
        elif ranking:
            d = xgb.DMatrix(data, label=y, qid=qid)
        else:
            d = xgb.DMatrix(data, label=y, weight=weights if name == "weighted" else None)
        log = {}
        booster = xgb.train(booster_params, d, ROUNDS, evals=[(d, "train")], evals_result=log, verbose_eval=False)
        booster.save_model(os.path.join(HERE, f"{name}.model.json"))
        if name in ("logistic", "softprob"):
            booster.save_model(os.path.join(HERE, f"{name}.model.ubj"))  # xgboost's default binary form
        predictions = booster.predict(d).reshape(n, -1)
        np.savetxt(os.path.join(HERE, f"{name}.predictions.csv"), predictions, delimiter=",", fmt="%.9g")
        contributions = booster.predict(d, pred_contribs=True).reshape(n, -1)
        np.savetxt(os.path.join(HERE, f"{name}.contributions.csv"), contributions, delimiter=",", fmt="%.9g")
        if name in INTERACTIONS:
            first = d.slice(list(range(20)))
            interactions = booster.predict(first, pred_interactions=True).reshape(20, -1)
            np.savetxt(os.path.join(HERE, f"{name}.interactions.csv"), interactions, delimiter=",", fmt="%.9g")
        hyperparameters = {k: str(v) for k, v in params.items()}
        hyperparameters.update(num_round=str(ROUNDS), max_depth=str(booster_params["max_depth"]), nthread="1")
        index[name] = {"hyperparameters": hyperparameters,
                       "data": f"{name}.libsvm" if name == "sparse" or ranking else f"{name}.csv",
                       "metrics": {metric: values for metric, values in log["train"].items()}}
    with open(os.path.join(HERE, "cases.json"), "w") as out:
        json.dump({"xgboost": xgb.__version__, "rounds": ROUNDS, "cases": index}, out, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
