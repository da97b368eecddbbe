"""Train the stance model on the Emergent data set and write discovery/stance_model.json.

    manage.py train_stance [--data ../shared/data/emergent/emergent.csv] [--folds 10]

1. Read (claimHeadline, articleHeadline, articleHeadlineStance) rows; for/against/observing
   become supports/denies/neutral.
2. Cross-validate by claim (GroupKFold over claimId: no claim is in a train and a test fold
   at once) and print accuracy and per-class F1, the figures docs/discovery.md reports.
3. Fit on every row and write the weights as plain JSON (rounded, near-zero weights dropped)
   with the figures and how it was made; discovery.stance predicts from it without
   scikit-learn. The same data and seed give the same file.
"""

import csv
import json
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GroupKFold

from discovery import stance

DEFAULT_DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "emergent" / "emergent.csv"
C = 1.0  # inverse regularisation: chosen by the grouped cross-validation (docs/discovery.md)
MIN_COUNT = 3  # a feature seen in fewer rows is left out (it cannot generalise)
DROP_BELOW = 0.005  # weights this small are left out of the file


class Command(BaseCommand):
    help = "Train the stance model on Emergent, report grouped cross-validation, write JSON."

    def add_arguments(self, parser):
        parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
        parser.add_argument("--folds", type=int, default=10)
        parser.add_argument("--out", type=Path, default=stance.MODEL_PATH)
        parser.add_argument("--c", type=float, default=C)

    def handle(self, *args, data: Path, folds: int, out: Path, c: float, **options):
        if not data.exists():
            raise CommandError(f"{data} is missing: the Emergent data set is needed to train.")
        with data.open(newline="", encoding="utf-8") as handle:
            rows = [
                r for r in csv.DictReader(handle) if r["articleHeadlineStance"] in stance.LABELS
            ]
        feats = [stance.features(r["claimHeadline"], r["articleHeadline"]) for r in rows]
        labels = np.array([stance.LABELS[r["articleHeadlineStance"]] for r in rows])
        groups = np.array([r["claimId"] for r in rows])

        def fit(train_feats, train_labels):
            counts: dict[str, int] = {}
            for f in train_feats:
                for name in f:
                    counts[name] = counts.get(name, 0) + 1
            kept = [{k: v for k, v in f.items() if counts[k] >= MIN_COUNT} for f in train_feats]
            vec = DictVectorizer()
            x = vec.fit_transform(kept)
            clf = LogisticRegression(C=c, max_iter=2000)
            clf.fit(x, train_labels)
            return vec, clf

        predicted = np.empty(len(rows), dtype=object)
        for train, test in GroupKFold(n_splits=folds).split(feats, labels, groups):
            vec, clf = fit([feats[i] for i in train], labels[train])
            predicted[test] = clf.predict(vec.transform([feats[i] for i in test]))
        classes = ["supports", "denies", "neutral"]
        figures = {
            "rows": len(rows),
            "claims": len(set(groups)),
            "folds": folds,
            "accuracy": round(float(accuracy_score(labels, predicted)), 4),
            "f1": dict(
                zip(
                    classes,
                    (
                        round(float(v), 4)
                        for v in f1_score(labels, predicted, labels=classes, average=None)
                    ),
                    strict=True,
                )
            ),
            "macro_f1": round(float(f1_score(labels, predicted, average="macro")), 4),
        }
        vec, clf = fit(feats, labels)
        order = [list(clf.classes_).index(k) for k in classes]
        weights = {}
        for j, name in enumerate(vec.get_feature_names_out()):
            row = [round(float(clf.coef_[k][j]), 4) for k in order]
            if max(abs(w) for w in row) >= DROP_BELOW:
                weights[name] = row
        model = {
            "about": "Stance of a headline toward a claim (discovery.stance); made by "
            "manage.py train_stance on the Emergent data set (Ferreira & Vlachos 2016).",
            "classes": classes,
            "intercept": [round(float(clf.intercept_[k]), 4) for k in order],
            "c": c,
            "cross_validation": figures,
            "weights": dict(sorted(weights.items())),
        }
        out.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
        stance.model.cache_clear()
        figures["features"] = len(weights)
        figures["bytes"] = out.stat().st_size
        self.stdout.write(json.dumps(figures))
