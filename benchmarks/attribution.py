"""Score the script builder's speaker attribution against hand-annotated texts.

Prints accuracy per text and overall, and for each cue (the rule that decided a quotation)
its coverage (share of quotations it decided) and precision (share of those it got right).
The texts: chapter 19 against its hand-checked cast script, and every passage under
benchmarks/attribution/corpus/ against its gold.yaml.

    python benchmarks/attribution.py [--errors]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

from narrate.attribute import build_script
from narrate.text import parse_chapter
from narrate.voices import CastSpec

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPUS = HERE / "attribution" / "corpus"


def load_texts() -> list[tuple[str, str, CastSpec, list[tuple[str, str]]]]:
    """(name, text, cast, gold) for chapter 19 and each corpus passage; gold is (speaker, quote start)."""
    texts = []
    shipped = yaml.safe_load((REPO / "scripts" / "chapter-19.yaml").read_text(encoding="utf-8"))
    gold19 = [(t["speaker"], t["text"]) for t in shipped["turns"] if t.get("confidence") is not None]
    voices = yaml.safe_load((REPO / "voices.yaml").read_text(encoding="utf-8"))
    texts.append(
        ("chapter-19", (REPO / "texts" / "chapter-19.txt").read_text(encoding="utf-8"), cast_of(voices), gold19)
    )
    for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        cast = cast_of(yaml.safe_load((folder / "cast.yaml").read_text(encoding="utf-8")))
        gold = [(g["speaker"], g["quote"]) for g in yaml.safe_load((folder / "gold.yaml").read_text(encoding="utf-8"))]
        texts.append((folder.name, (folder / "text.txt").read_text(encoding="utf-8"), cast, gold))
    return texts


def cast_of(data: dict) -> CastSpec:
    """The builder's view of a cast file: voices are not needed."""
    for character in data.get("characters", {}).values():
        character.pop("voice", None)
    data.get("narrator", {}).pop("voice", None)
    return CastSpec.model_validate(data)


def score(show_errors: bool) -> None:
    per_cue: dict[str, Counter] = defaultdict(Counter)
    total = correct = 0
    rows = []
    elapsed = 0.0
    for name, text, cast, gold in load_texts():
        start = time.perf_counter()
        script = build_script(parse_chapter(text), cast)
        elapsed += time.perf_counter() - start
        quotes = [t for t in script.turns if t.confidence is not None]
        if len(quotes) != len(gold):
            print(
                f"{name}: the splitter found {len(quotes)} quotations, the gold has {len(gold)}; "
                "scoring the aligned prefix",
                file=sys.stderr,
            )
        right = 0
        for turn, (speaker, quote) in zip(quotes, gold, strict=False):
            ok = turn.speaker == speaker
            right += ok
            per_cue[turn.cue or "none"]["n"] += 1
            per_cue[turn.cue or "none"]["right"] += ok
            if show_errors and not ok:
                print(f"  {name}: {turn.cue} said {turn.speaker}, gold {speaker}: {quote[:60]!r}")
        n = min(len(quotes), len(gold))
        rows.append((name, n, right))
        total += n
        correct += right
    print(f"{'text':<20} {'quotes':>7} {'right':>7} {'accuracy':>9}")
    for name, n, right in rows:
        print(f"{name:<20} {n:7d} {right:7d} {right / n:9.1%}")
    unseen = [(n, r) for name, n, r in rows if name != "chapter-19"]
    u_n, u_r = sum(n for n, _ in unseen), sum(r for _, r in unseen)
    print(f"{'all unseen texts':<20} {u_n:7d} {u_r:7d} {u_r / u_n:9.1%}")
    print(f"{'everything':<20} {total:7d} {correct:7d} {correct / total:9.1%}")
    print(f"\n{'cue':<22} {'coverage':>9} {'precision':>10}")
    for cue, c in sorted(per_cue.items(), key=lambda kv: -kv[1]["n"]):
        print(f"{cue:<22} {c['n'] / total:9.1%} {c['right'] / c['n']:10.1%}   ({c['right']}/{c['n']})")
    print(f"\nattribution time: {elapsed:.2f} s for all texts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list every wrong attribution")
    score(parser.parse_args().errors)


if __name__ == "__main__":
    main()
