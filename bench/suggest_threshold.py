"""Which similarity, and above which score, the catalogue's "did you mean" should suggest a topic
(a script, not a test).

Usage: .venv/bin/python bench/suggest_threshold.py

Each value of ``bench/topic_typos.json`` (topic values as staff type them, each with the topic
meant, or none) is compared with every spelling of every topic (id, preferred and alternative
labels: what the catalogue accepts) by each rapidfuzz scorer, with and without rapidfuzz's
default processing (lower case, punctuation and hyphens as spaces). For each threshold from 50
to 100, a value gets the topics of the spellings scoring at least the threshold (at most three,
best first), and is counted:

- a typo is *right* when the meant topic is suggested first, *wrong* when another is, *missed*
  when nothing is;
- a value that is no topic is *false* when anything is suggested.

The threshold chosen is the one with no false and no wrong suggestion that gets the most typos
right; among equals, the middle of that range (furthest from a wrong one on either side).
Prints markdown; writes bench/results/suggest_threshold.json. A value the thesaurus now accepts
as it is (an alternative label added since) is left out and listed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process, utils

from cradle.graph.build.ontology import terms

ROOT = Path(__file__).resolve().parents[1]
TYPOS = ROOT / "bench" / "topic_typos.json"
OUT = ROOT / "bench" / "results" / "suggest_threshold.json"
SCORERS = {
    "WRatio": fuzz.WRatio,
    "QRatio": fuzz.QRatio,
    "ratio": fuzz.ratio,
    "token_sort_ratio": fuzz.token_sort_ratio,
    "token_set_ratio": fuzz.token_set_ratio,
    "partial_ratio": fuzz.partial_ratio,
}
THRESHOLDS = range(50, 101)


def suggested(
    value: str, table: dict[str, str], scorer: Any, processed: bool, cutoff: float
) -> list[str]:
    """The topics suggested for ``value`` (as :func:`cradle.graph.build.catalogue.suggest`)."""
    found = process.extract(
        value.lower(),
        list(table),
        scorer=scorer,
        processor=utils.default_process if processed else None,
        limit=9,
        score_cutoff=cutoff,
    )
    return list(dict.fromkeys(table[m] for m, _, _ in found))[:3]


def count(items: list[dict[str, Any]], table: dict[str, str], scorer: Any, processed: bool,
          cutoff: float) -> dict[str, int]:  # fmt: skip
    """How many right, wrong, missed and false at one threshold."""
    out = {"right": 0, "wrong": 0, "missed": 0, "false": 0}
    for item in items:
        got = suggested(item["typed"], table, scorer, processed, cutoff)
        if item["meant"] is None:
            out["false"] += bool(got)
        elif not got:
            out["missed"] += 1
        else:
            out["right" if got[0] == item["meant"] else "wrong"] += 1
    return out


def best(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The threshold with no false or wrong suggestion and the most right (the middle of a tie)."""
    clean = [r for r in rows if r["false"] == 0 and r["wrong"] == 0]
    if not clean:
        return None
    most = max(r["right"] for r in clean)
    tied = [r for r in clean if r["right"] == most]
    return tied[len(tied) // 2]


def main() -> None:
    """Measure every scorer and threshold; print the table and write the JSON."""
    vocab = terms()
    table = dict(vocab.aliases["topic"]) | {t: t for t in vocab.topics}
    data = json.loads(TYPOS.read_text(encoding="utf-8"))["typos"]
    accepted = [i["typed"] for i in data if " ".join(i["typed"].lower().split()) in table]
    items = [i for i in data if i["typed"] not in accepted]
    typos = sum(i["meant"] is not None for i in items)
    results: dict[str, Any] = {}
    print(f"{typos} typos, {len(items) - typos} values that are no topic; accepted as written "
          f"(left out): {accepted or 'none'}\n")  # fmt: skip
    print("| scorer | processing | chosen threshold | right | wrong | missed | false | "
          "clean range |\n|---|---|---|---|---|---|---|---|")  # fmt: skip
    for name, scorer in SCORERS.items():
        for processed in (False, True):
            rows = [{"threshold": t, **count(items, table, scorer, processed, t)}
                    for t in THRESHOLDS]  # fmt: skip
            chosen = best(rows)
            key = f"{name}{'+processed' if processed else ''}"
            clean = [r["threshold"] for r in rows if r["false"] == 0 and r["wrong"] == 0]
            results[key] = {"chosen": chosen, "rows": rows}
            span = f"{min(clean)}-{max(clean)}" if clean else "none"
            if chosen is None:
                print(f"| {name} | {'yes' if processed else 'no'} | none | | | | | {span} |")
                continue
            print(f"| {name} | {'yes' if processed else 'no'} | {chosen['threshold']} | "
                  f"{chosen['right']} | {chosen['wrong']} | {chosen['missed']} | "
                  f"{chosen['false']} | {span} |")  # fmt: skip
    OUT.write_text(
        json.dumps({"typos": typos, "not_topics": len(items) - typos, "left_out": accepted,
                    "results": results}, indent=1) + "\n", encoding="utf-8",
    )  # fmt: skip


if __name__ == "__main__":
    main()
