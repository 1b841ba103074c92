"""Reprint grouping: precision and recall on a made reprint set, stories in the real corpora, cost.

    .venv/bin/python bench/bench_reprints.py [--originals 300] [--corpora] [--index-docs 5000]

1. The reprint set. Real articles of the shared corpus (xwlb items of a few
   dozen days and tw_news articles) are reprinted the way republishers do:
   converted to the other script (OpenCC s2t / t2s), another outlet's header
   and footer, an editor line, a new title line, a paragraph cut or added, the
   date moved a few days. Every other article of the same days stays in the
   set unchanged: the hard negatives (xwlb items of one day share the 新闻联播
   template; tw_news articles of one day share topics and outlets). Prints
   pairwise precision and recall of "same story" (targets: 0.98 and 0.95),
   and recall per kind of change.
2. ``--corpora``: how many stories xwlb, tw_news and the whole corpus hold,
   and the largest groups (titles and dates, to be read).
3. ``--index-docs N``: indexing N xwlb items with grouping and without, in
   this process (target: at most 15% slower).
"""

from __future__ import annotations

import argparse
import collections
import gzip
import itertools
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# ../shared/corpus, as every benchmark; XUNWEN_CORPUS names another place (a git worktree's).
CORPUS = Path(os.environ.get("XUNWEN_CORPUS") or ROOT.parent / "shared" / "corpus")

HEADERS = [
    "来源：新华社",
    "河南日报客户端讯",
    "【大河网讯】",
    "本文来源：人民网-人民日报",
    "中国青年网 2024-03-05 10:21:33 来源：央视新闻客户端",
    "字号：大 中 小",
    "原标题：",
]
FOOTERS = [
    "（责任编辑：王松涛）",
    "编辑：李娜 校对：张伟",
    "本文转载自其他网站，版权归原作者所有，如有侵权请联系删除。",
    "更多精彩内容，请关注本网微信公众号。",
    "（来源：新华社）",
    "【我要纠错】 责任编辑：刘洋",
    "分享到：",
]


def read_jsonl(name: str, limit: int | None = None) -> list[dict]:
    with gzip.open(CORPUS / name, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in itertools.islice(handle, limit)]


def body_of(item: dict) -> str:
    from search.normalize import clean_text

    return clean_text(item.get("content") or item.get("text") or "")


# ---------------------------------------------------------------------------
# 1. The reprint set
# ---------------------------------------------------------------------------


def paragraphs(text: str) -> list[str]:
    """Paragraphs; a text written as one line is cut into runs of three sentences."""
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) >= 3:
        return lines
    sentences = [s for s in "".join(lines).replace("。", "。\n").split("\n") if s]
    return ["".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]


def reprint(body: str, rng: random.Random, donor: str) -> tuple[str, list[str]]:
    """One reprint of ``body`` and the changes made to it."""
    from search.normalize import convert_for_display, to_simplified

    kinds = rng.sample(["script", "header", "footer", "editor", "title", "cut", "add"], k=rng.randint(2, 5))
    if "script" not in kinds and rng.random() < 0.5:
        kinds.append("script")
    parts = paragraphs(body)
    if "cut" in kinds and len(parts) >= 3:
        del parts[rng.randrange(1, len(parts))]
    if "add" in kinds:
        extra = paragraphs(donor)
        parts.insert(rng.randrange(1, len(parts) + 1), extra[0] if extra else "")
    lines = list(parts)
    if "title" in kinds:
        lines.insert(0, "转载：" + rng.choice(parts)[:18])
    if "header" in kinds:
        lines.insert(0, rng.choice(HEADERS))
    if "editor" in kinds:
        lines.append("（编辑：" + rng.choice("王李张刘陈杨") + rng.choice("明华强芳娜") + "）")
    if "footer" in kinds:
        lines.append(rng.choice(FOOTERS))
    text = "\n".join(lines)
    if "script" in kinds:
        simplified = to_simplified(body) == body
        text = convert_for_display(text, "traditional" if simplified else "simplified")
    return text, kinds


def reprint_set(originals: int, seed: int = 7) -> tuple[dict[str, str], dict[str, str], dict[str, list[str]]]:
    """(id -> body, id -> true group, reprint id -> its changes)."""
    rng = random.Random(seed)
    xwlb = read_jsonl("xwlb.jsonl.gz", 40_000)
    by_day: dict[str, list[dict]] = collections.defaultdict(list)
    for item in xwlb:
        by_day[item["date"]].append(item)
    days = rng.sample(sorted(by_day), 30)
    pool = [(f"xwlb:{i['id']}", body_of(i)) for day in days for i in by_day[day]]
    tw = read_jsonl("tw_news.jsonl.gz")
    pool += [(f"tw:{n}", body_of(item)) for n, item in enumerate(tw[:600])]
    pool = [(doc_id, body) for doc_id, body in pool if len(body) >= 80]
    bodies = dict(pool)
    # Items the corpus itself holds twice (same text, two ids) are one story by definition.
    first_with_text: dict[str, str] = {}
    truth = {doc_id: first_with_text.setdefault(body, doc_id) for doc_id, body in pool}
    changes: dict[str, list[str]] = {}
    donors = [body_of(item) for item in xwlb[-500:]]  # other years: never the same story
    for doc_id, body in rng.sample(pool, min(originals, len(pool))):
        for copy in range(rng.randint(1, 3)):
            text, kinds = reprint(body, rng, rng.choice(donors))
            reprint_id = f"{doc_id}~{copy}"
            bodies[reprint_id], truth[reprint_id], changes[reprint_id] = text, truth[doc_id], kinds
    return bodies, truth, changes


def evaluate(originals: int) -> dict:
    from search.stories import StoryIndex, pairs_in_groups

    bodies, truth, changes = reprint_set(originals)
    stories = StoryIndex()
    started = time.perf_counter()
    order = list(bodies)
    random.Random(3).shuffle(order)  # reprints arrive before and after their original
    for doc_id in order:
        stories.add(doc_id, bodies[doc_id])
    seconds = time.perf_counter() - started
    true_groups = collections.defaultdict(list)
    for doc_id, group in truth.items():
        true_groups[group].append(doc_id)
    predicted = pairs_in_groups(stories.groups().values())
    expected = pairs_in_groups(true_groups.values())
    hit = predicted & expected
    per_kind = collections.Counter()
    per_kind_hit = collections.Counter()
    for reprint_id, kinds in changes.items():
        joined = (min(reprint_id, truth[reprint_id]), max(reprint_id, truth[reprint_id])) in predicted
        for kind in kinds:
            per_kind[kind] += 1
            per_kind_hit[kind] += joined
    wrong = sorted(predicted - expected)[:10]
    return {
        "documents": len(bodies),
        "reprints": len(changes),
        "true_pairs": len(expected),
        "predicted_pairs": len(predicted),
        "precision": len(hit) / max(1, len(predicted)),
        "recall": len(hit) / max(1, len(expected)),
        "per_kind_recall": {kind: round(per_kind_hit[kind] / per_kind[kind], 3) for kind in sorted(per_kind)},
        "false_pairs_examples": wrong,
        "seconds": round(seconds, 2),
    }


TEMPLATES = {
    "daily case counts": "新增新冠肺炎确诊病例",  # one report a day, the same sentences, other numbers
    "本台明天将直播": "本台明天将直播",  # broadcast announcements
    "单行本出版": "单行本出版",  # "习近平《在…上的讲话》单行本出版发行"
}


def template_reports() -> None:
    """xwlb's templated reports: each is its own story (read by title: every one is another event)."""
    from search.stories import StoryIndex

    items = read_jsonl("xwlb.jsonl.gz")
    for name, marker in TEMPLATES.items():
        reports = [item for item in items if marker in item["title"]]
        stories = StoryIndex()
        for item in reports:
            stories.add(item["id"], body_of(item))
        groups = sorted(stories.groups().values(), key=len, reverse=True)
        merged = sum(len(group) for group in groups if len(group) > 1)
        print(f"  template {name!r}: {len(reports)} reports, {len(groups)} stories; "
              f"{merged} reports in {sum(len(g) > 1 for g in groups)} merged groups, largest {len(groups[0])}")  # fmt: skip


# ---------------------------------------------------------------------------
# 2. Stories in the real corpora
# ---------------------------------------------------------------------------


def corpus_stories() -> None:
    from search.stories import StoryIndex, signature

    everything = StoryIndex()
    titles: dict[str, tuple[str, str]] = {}
    for name in (
        "xwlb.jsonl.gz",
        "tw_news.jsonl.gz",
        "chinatimes.jsonl.gz",
        "cec.jsonl.gz",
        "fudan.jsonl.gz",
    ):
        own = StoryIndex()
        started = time.perf_counter()
        items = read_jsonl(name)
        for number, item in enumerate(items):
            doc_id = f"{name.split('.')[0]}:{item.get('id', number)}"
            body = body_of(item)
            if not body.strip():
                continue
            titles[doc_id] = (item.get("title") or "", item.get("date") or "")
            sig = signature(body)  # one signature, two indexes
            own.add_signature(doc_id, sig)
            everything.add_signature(doc_id, sig)
        groups = own.groups()
        sizes = collections.Counter(len(members) for members in groups.values())
        print(
            f"{name}: {len(own)} documents, {len(groups)} stories, "
            f"{sum(n for s, n in sizes.items() if s > 1)} stories of 2+ holding "
            f"{sum(s * n for s, n in sizes.items() if s > 1)} documents; largest "
            f"{sorted((len(m) for m in groups.values()), reverse=True)[:5]} ({time.perf_counter() - started:.1f} s)"
        )
        print_largest(groups, titles, 3)
    groups = everything.groups()
    print(f"whole corpus: {len(everything)} documents, {len(groups)} stories")
    print_largest(groups, titles, 5)


def print_largest(groups: dict[int, list[str]], titles: dict[str, tuple[str, str]], count: int) -> None:
    for members in sorted(groups.values(), key=len, reverse=True)[:count]:
        if len(members) < 2:
            return
        print(f"  story of {len(members)}:")
        for doc_id in members[:6]:
            title, date = titles.get(doc_id, ("", ""))
            print(f"    {date} {doc_id} {title[:40]}")


# ---------------------------------------------------------------------------
# 3. Cost at indexing time
# ---------------------------------------------------------------------------


def indexing_cost(docs: int, procs: int) -> None:
    from search.indexer import index_paths

    folder = Path(tempfile.mkdtemp(prefix="xunwen-reprints-"))
    try:
        sample = folder / "sample.jsonl"
        with open(sample, "w", encoding="utf-8") as out:
            for item in read_jsonl("xwlb.jsonl.gz", docs):
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
        times: dict[bool, list[float]] = {}
        cpu: dict[bool, list[float]] = {}
        for rounds in range(2):  # alternate, twice: the machine's speed drifts
            for grouping in (False, True):
                target = folder / f"index-{grouping}-{rounds}"
                started, started_cpu = time.perf_counter(), _cpu_seconds()
                index_paths([sample], target, procs=procs, group_stories=grouping)
                times.setdefault(grouping, []).append(time.perf_counter() - started)
                cpu.setdefault(grouping, []).append(_cpu_seconds() - started_cpu)
                shutil.rmtree(target)
        print(f"indexing {docs} xwlb items, {procs} workers (best of 2 each, alternated):")
        for grouping, label in ((False, "without grouping"), (True, "with grouping   ")):
            wall, seconds = min(times[grouping]), min(cpu[grouping])
            print(f"  {label} {wall:.1f} s wall ({docs / wall:.0f} docs/s), {seconds:.1f} s CPU of all processes;"
                  f" runs {[round(t, 1) for t in times[grouping]]} s")  # fmt: skip
        print(f"  cost of grouping: wall {100 * (min(times[True]) / min(times[False]) - 1):+.1f}%, "
              f"CPU {100 * (min(cpu[True]) / min(cpu[False]) - 1):+.1f}% (target: at most +15%)")  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the indexing workers): less
    sensitive than wall time to other work on a shared machine."""
    now = os.times()
    return now.user + now.system + now.children_user + now.children_system


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--originals", type=int, default=300)
    parser.add_argument("--corpora", action="store_true", help="count stories in the real corpora")
    parser.add_argument(
        "--index-docs", type=int, default=0, help="measure indexing with and without grouping"
    )
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--cost-only", action="store_true", help="with --index-docs: only the indexing cost")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: no corpus at {CORPUS}")
        return 0
    if args.index_docs and args.cost_only:
        indexing_cost(args.index_docs, args.procs)
        return 0
    result = evaluate(args.originals)
    print(
        f"reprint set: {result['documents']} documents, {result['reprints']} reprints; "
        f"{result['true_pairs']} true pairs, {result['predicted_pairs']} predicted"
    )
    print(f"  precision {result['precision']:.4f} (target 0.98)  recall {result['recall']:.4f} (target 0.95)")
    print(f"  recall by change: {result['per_kind_recall']}")
    print(f"  assigned in {result['seconds']} s; wrong pairs (first 10): {result['false_pairs_examples']}")
    template_reports()
    if args.corpora:
        corpus_stories()
    if args.index_docs:
        indexing_cost(args.index_docs, args.procs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
