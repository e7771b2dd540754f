"""Fit the conversation model's weights (narrate.attribute.Weights) to the annotated corpus.

A coordinate search: each float weight in turn is moved by a few steps, and a move is kept
when the mean accuracy over the texts goes up. Accuracy on the texts it was fitted on
flatters a fit, so --cross-validate holds each development text out in turn, fits on the
others and scores the text it never saw. --sealed also scores a fit, in total only, on the
sealed passages: do that once, for a fit you mean to ship, and say so in the sealed README.
Paste a fit into narrate/attribute.py only when those figures beat the shipped weights.

    python benchmarks/fit_attribution.py [--cross-validate] [--set corpus|dev] [--sealed]
"""

from __future__ import annotations

import argparse
import dataclasses
from concurrent.futures import ProcessPoolExecutor

from attribution import Text, attribute, load_texts

from narrate.attribute import DEFAULT_WEIGHTS, Weights

STEPS = (-2.0, -1.0, -0.5, 0.5, 1.0, 2.0)
FIELDS = [f.name for f in dataclasses.fields(Weights) if f.type in ("float", float)]


def accuracies(texts: list[Text], weights: Weights) -> dict[str, float]:
    attributed = attribute(texts, weights)
    return {name: sum(a.speaker == gold for a, gold, _ in pairs) / len(pairs) for name, pairs in attributed.items()}


def objective(texts: list[Text], weights: Weights) -> float:
    """Mean accuracy per text, so that a long text does not outvote the others."""
    scores = accuracies(texts, weights)
    return sum(scores.values()) / len(scores)


def fit(texts: list[Text], start: Weights = DEFAULT_WEIGHTS, passes: int = 3) -> Weights:
    best, best_score = start, objective(texts, start)
    for _ in range(passes):
        improved = False
        for name in FIELDS:
            for step in STEPS:
                candidate = dataclasses.replace(best, **{name: max(0.0, getattr(best, name) + step)})
                if candidate == best:
                    continue
                score = objective(texts, candidate)
                if score > best_score + 1e-9:
                    best, best_score, improved = candidate, score, True
        if not improved:
            break
    return best


def held_out(args: tuple[list[Text], int]) -> tuple[str, float, float, Weights]:
    """(text, accuracy with the shipped weights, accuracy with weights fitted without it, those weights)."""
    texts, i = args
    rest = texts[:i] + texts[i + 1 :]
    weights = fit(rest)
    name = texts[i][0]
    return name, accuracies([texts[i]], DEFAULT_WEIGHTS)[name], accuracies([texts[i]], weights)[name], weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("corpus", "dev"), default="dev", help="the texts to fit on")
    parser.add_argument("--cross-validate", action="store_true", help="hold each text out in turn")
    parser.add_argument("--sealed", action="store_true", help="also score the fit on the sealed passages (once)")
    parser.add_argument("--jobs", "-j", type=int, default=2)
    args = parser.parse_args()
    texts = load_texts(args.set)
    if args.cross_validate:
        with ProcessPoolExecutor(args.jobs) as pool:
            rows = list(pool.map(held_out, [(texts, i) for i in range(len(texts))]))
        print(f"{'held-out text':<20} {'shipped':>8} {'refit':>8}")
        for name, default, refit, _ in rows:
            print(f"{name:<20} {default:8.1%} {refit:8.1%}")
        n = len(rows)
        print(f"{'mean':<20} {sum(r[1] for r in rows) / n:8.1%} {sum(r[2] for r in rows) / n:8.1%}")
        return
    weights = fit(texts, DEFAULT_WEIGHTS)
    scored_sets = [(f"fitted on ({args.set})", texts)]
    if args.sealed:
        scored_sets.append(("sealed", load_texts("sealed")))
    print(f"{'mean accuracy':<22} {'shipped':>8} {'fitted':>8}")
    for label, scored in scored_sets:
        print(f"{label:<22} {objective(scored, DEFAULT_WEIGHTS):8.1%} {objective(scored, weights):8.1%}")
    print(weights)


if __name__ == "__main__":
    main()
