"""Reprint grouping: precision and recall on a made reprint set, stories in the real corpora, cost.

    .venv/bin/python bench/bench_reprints.py [--originals 300] [--corpora] [--index-docs 5000]
        [--baseline de0ce96] [--signature-docs 5000]

Every figure is printed twice, in the same run: for the grouping of the
working tree and for ``search/stories.py`` as it was at ``--baseline`` (a
git revision, loaded from git into its own module; ``--baseline ''`` skips it).

1. The reprint set. Real articles of the shared corpus (xwlb items of a few
   dozen days and tw_news articles) are reprinted the way republishers do:
   converted to the other script (OpenCC s2t / t2s), another outlet's header
   and footer, an editor line, a new title line, a paragraph cut or added, the
   date moved a few days. Every other article of the same days stays in the
   set unchanged: the hard negatives (xwlb items of one day share the 新闻联播
   template; tw_news articles of one day share topics and outlets). Prints
   pairwise precision and recall of "same story" (targets: 0.98 and 0.95),
   and recall per kind of change. Then the template announcements of the
   whole xwlb corpus join the set as further hard negatives (CCDI expulsion
   notices, 看望老同志, 烈士纪念日, daily epidemic counts, welcome ceremonies,
   presidium meetings, ...; items of one template differ in a name, a post,
   a year), and 100 of them get reprints too (recall on templates' reprints).
2. ``--corpora``: how many stories xwlb, tw_news and the whole corpus hold,
   and the largest groups (titles and dates, to be read).
3. ``--index-docs N``: indexing N xwlb items with grouping and without, in
   this process (target: at most 15% slower). ``--signature-docs N``: the
   signature's cost per article, baseline against the working tree.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import inspect
import itertools
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
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


# Titles of xwlb's template announcements: one item a day, week or year, the same sentences
# filled with another name, post, year, country or count. Every item is another event.
TEMPLATE_TITLES = {
    "CCDI expulsion notices": "严重违纪违法",
    "看望老同志": "看望老同志",
    "慰问老同志": "慰问老同志",
    "烈士纪念日": "烈士纪念日",
    "daily epidemic counts": "通报最新疫情",
    "daily case counts": "新增新冠肺炎确诊病例",
    "weather": "天气",
    "welcome ceremonies": "举行仪式欢迎",
    "promotions to general": "晋升上将",
    "presidium meetings": "主席团",
    "obituaries": "同志逝世",
    "cremations": "遗体在京火化",
    "editions published": "出版发行",
    "本台明天将直播": "本台明天将直播",
    "单行本出版": "单行本出版",
    "messages of congratulation": "致贺电",
    "messages of condolence": "致慰问电",
}


def template_items(xwlb: list[dict]) -> list[dict]:
    """xwlb's items whose title names one of the templates."""
    return [item for item in xwlb if any(marker in item["title"] for marker in TEMPLATE_TITLES.values())]


def reprint_set(
    originals: int, seed: int = 7, template_originals: int = 100
) -> tuple[dict[str, str], dict[str, str], dict[str, list[str]], set[str]]:
    """(id -> body, id -> true group, reprint id -> its changes, ids of template items and their reprints)."""
    rng = random.Random(seed)
    everything = read_jsonl("xwlb.jsonl.gz")
    xwlb = everything[:40_000]
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
    donor_ids = {item["id"] for item in xwlb[-500:]}
    for doc_id, body in rng.sample(pool, min(originals, len(pool))):
        for copy in range(rng.randint(1, 3)):
            text, kinds = reprint(body, rng, rng.choice(donors))
            reprint_id = f"{doc_id}~{copy}"
            bodies[reprint_id], truth[reprint_id], changes[reprint_id] = text, truth[doc_id], kinds
    # The templates, from all of xwlb, after the classic set (which stays as it was drawn before).
    # xwlb holds some items twice (the same day and title, the text edited or not): one story.
    same_item: dict[tuple[str, str], str] = {}
    templates: set[str] = set()
    for item in template_items(everything):
        doc_id, body = f"xwlb:{item['id']}", body_of(item)
        if doc_id in bodies or item["id"] in donor_ids or len(body) < 80:
            continue  # a donor's paragraph is in reprints: the donor would join them
        group = first_with_text.get(body) or same_item.get((item["date"], item["title"])) or doc_id
        first_with_text.setdefault(body, group)
        same_item.setdefault((item["date"], item["title"]), group)
        bodies[doc_id], truth[doc_id] = body, group
        templates.add(doc_id)
    template_rng = random.Random(seed + 1)
    for doc_id in template_rng.sample(sorted(templates), min(template_originals, len(templates))):
        text, kinds = reprint(bodies[doc_id], template_rng, template_rng.choice(donors))
        reprint_id = f"{doc_id}~t"
        bodies[reprint_id], truth[reprint_id], changes[reprint_id] = text, truth[doc_id], kinds
        templates.add(reprint_id)
    return bodies, truth, changes, templates


def load_stories(revision: str) -> types.ModuleType:
    """``search/stories.py`` as it was at a git revision, as a module of its own."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{revision}:search/stories.py"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    module = types.ModuleType(f"stories_at_{revision}")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"{revision}:search/stories.py", "exec"), module.__dict__)
    return module


def evaluate(reprints: tuple, stories_module: types.ModuleType) -> dict:
    """Precision and recall of one grouping on the reprint set (``reprint_set``'s tuple)."""
    bodies, truth, changes, templates = reprints
    stories = stories_module.StoryIndex()
    started = time.perf_counter()
    order = list(bodies)
    random.Random(3).shuffle(order)  # reprints arrive before and after their original
    for doc_id in order:
        stories.add(doc_id, bodies[doc_id])
    seconds = time.perf_counter() - started
    true_groups = collections.defaultdict(list)
    for doc_id, group in truth.items():
        true_groups[group].append(doc_id)
    predicted_all = stories_module.pairs_in_groups(stories.groups().values())
    expected_all = stories_module.pairs_in_groups(true_groups.values())
    figures = {"with templates": _pairwise(predicted_all, expected_all)}
    # The classic set alone: the pairs among documents that are not template items.
    classic = {doc_id for doc_id in bodies if doc_id not in templates}
    predicted = {pair for pair in predicted_all if pair[0] in classic and pair[1] in classic}
    expected = {pair for pair in expected_all if pair[0] in classic and pair[1] in classic}
    figures["classic"] = _pairwise(predicted, expected)
    inside = {pair for pair in predicted_all - expected_all if pair[0] in templates and pair[1] in templates}
    per_kind = collections.Counter()
    per_kind_hit = collections.Counter()
    for reprint_id, kinds in changes.items():
        if reprint_id in templates:
            continue
        joined = (min(reprint_id, truth[reprint_id]), max(reprint_id, truth[reprint_id])) in predicted
        for kind in kinds:
            per_kind[kind] += 1
            per_kind_hit[kind] += joined
    template_reprints = [rid for rid in changes if rid in templates]
    template_joined = sum(
        (min(rid, truth[rid]), max(rid, truth[rid])) in predicted_all for rid in template_reprints
    )
    return {
        "documents": len(bodies),
        "templates": len(templates) - len(template_reprints),
        "reprints": len(changes),
        "figures": figures,
        "per_kind_recall": {kind: round(per_kind_hit[kind] / per_kind[kind], 3) for kind in sorted(per_kind)},
        "wrong_template_pairs": len(inside),
        "template_reprint_recall": template_joined / max(1, len(template_reprints)),
        "false_pairs_examples": sorted(predicted_all - expected_all)[:10],
        "seconds": round(seconds, 2),
    }


def _pairwise(predicted: set, expected: set) -> dict:
    hit = predicted & expected
    return {
        "true_pairs": len(expected),
        "predicted_pairs": len(predicted),
        "precision": len(hit) / max(1, len(predicted)),
        "recall": len(hit) / max(1, len(expected)),
    }


def sign(stories_module: types.ModuleType, body: str, date: str | None):
    """``signature(body, published)``, or ``signature(body)`` for a grouping from before the
    date window (a baseline commit)."""
    if "published" in inspect.signature(stories_module.signature).parameters:
        return stories_module.signature(body, date)
    return stories_module.signature(body)


def template_reports(stories_module: types.ModuleType) -> None:
    """xwlb's template announcements, each template alone: every item is its own story, save
    the items xwlb holds twice (the same day and title)."""
    items = template_items(read_jsonl("xwlb.jsonl.gz"))
    signatures = {item["id"]: sign(stories_module, body_of(item), item.get("date")) for item in items}
    key = {item["id"]: (item["date"], item["title"]) for item in items}
    wrong_all = 0
    for name, marker in TEMPLATE_TITLES.items():
        reports = [item["id"] for item in items if marker in item["title"]]
        stories = stories_module.StoryIndex()
        for doc_id in reports:
            stories.add_signature(doc_id, signatures[doc_id])
        groups = sorted(stories.groups().values(), key=len, reverse=True)
        wrong = [pair for pair in stories_module.pairs_in_groups(groups) if key[pair[0]] != key[pair[1]]]
        wrong_all += len(wrong)
        print(f"  {name!r}: {len(reports)} reports, {len(groups)} stories, largest {len(groups[0])}; "
              f"{len(wrong)} wrong pairs (another day or title)")  # fmt: skip
    print(f"  all templates: {wrong_all} wrong pairs")


# ---------------------------------------------------------------------------
# 2. Stories in the real corpora
# ---------------------------------------------------------------------------


CORPORA = ("xwlb.jsonl.gz", "tw_news.jsonl.gz", "chinatimes.jsonl.gz", "cec.jsonl.gz", "fudan.jsonl.gz")


def corpus_stories(groupings: dict[str, types.ModuleType], largest: int = 8) -> None:
    """Each corpus alone, then all together, for each grouping; the largest groups of the last."""
    bodies: dict[str, str] = {}
    titles: dict[str, tuple[str, str]] = {}
    for name in CORPORA:
        for number, item in enumerate(read_jsonl(name)):
            body = body_of(item)
            if body.strip():
                doc_id = f"{name.split('.')[0]}:{item.get('id', number)}"
                bodies[doc_id], titles[doc_id] = body, (item.get("title") or "", item.get("date") or "")
    for label, stories_module in groupings.items():
        started = time.perf_counter()
        signatures = {
            doc_id: sign(stories_module, body, titles[doc_id][1]) for doc_id, body in bodies.items()
        }
        print(f"{label}: {len(signatures)} signatures in {time.perf_counter() - started:.1f} s")
        for name in (*CORPORA, None):
            prefix = None if name is None else name.split(".")[0] + ":"
            own = stories_module.StoryIndex()
            for doc_id, sig in signatures.items():
                if prefix is None or doc_id.startswith(prefix):
                    own.add_signature(doc_id, sig)
            groups = own.groups()
            sizes = collections.Counter(len(members) for members in groups.values())
            print(
                f"  {name or 'whole corpus'}: {len(own)} documents, {len(groups)} stories, "
                f"{sum(n for s, n in sizes.items() if s > 1)} stories of 2+ holding "
                f"{sum(s * n for s, n in sizes.items() if s > 1)} documents; largest "
                f"{sorted((len(m) for m in groups.values()), reverse=True)[:8]}"
            )
    print_largest(groups, titles, largest)


def print_largest(groups: dict[int, list[str]], titles: dict[str, tuple[str, str]], count: int) -> None:
    for members in sorted(groups.values(), key=len, reverse=True)[:count]:
        if len(members) < 2:
            return
        print(f"  story of {len(members)}:")
        for doc_id in sorted(members, key=lambda doc_id: titles.get(doc_id, ("", ""))[1])[:6]:
            title, date = titles.get(doc_id, ("", ""))
            print(f"    {date} {doc_id} {title[:40]}")


# ---------------------------------------------------------------------------
# 3. Cost at indexing time
# ---------------------------------------------------------------------------


def indexing_cost(docs: int, procs: int, rounds: int = 5) -> None:
    """Indexing with and without grouping, alternated ``rounds`` times: the best of each, and the
    median of each round's ratio (a round's two runs share the machine's speed of the moment)."""
    from search.indexer import index_paths

    folder = Path(tempfile.mkdtemp(prefix="xunwen-reprints-"))
    try:
        sample = folder / "sample.jsonl"
        with open(sample, "w", encoding="utf-8") as out:
            for item in read_jsonl("xwlb.jsonl.gz", docs):
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
        index_paths([sample], folder / "warm-up", procs=procs)  # the page cache, the first imports
        shutil.rmtree(folder / "warm-up")
        times: dict[bool, list[float]] = {}
        cpu: dict[bool, list[float]] = {}
        for number in range(rounds):
            for grouping in (False, True) if number % 2 == 0 else (True, False):
                target = folder / f"index-{grouping}-{number}"
                started, started_cpu = time.perf_counter(), _cpu_seconds()
                index_paths([sample], target, procs=procs, group_stories=grouping)
                times.setdefault(grouping, []).append(time.perf_counter() - started)
                cpu.setdefault(grouping, []).append(_cpu_seconds() - started_cpu)
                shutil.rmtree(target)
        print(f"indexing {docs} xwlb items, {procs} workers ({rounds} rounds, alternated):")
        for grouping, label in ((False, "without grouping"), (True, "with grouping   ")):
            wall, seconds = min(times[grouping]), min(cpu[grouping])
            print(f"  {label} best {wall:.1f} s wall ({docs / wall:.0f} docs/s), {seconds:.1f} s CPU of all "
                  f"processes; runs {[round(t, 1) for t in times[grouping]]} s")  # fmt: skip
        wall_ratios = [with_ / without for with_, without in zip(times[True], times[False], strict=True)]
        cpu_ratios = [with_ / without for with_, without in zip(cpu[True], cpu[False], strict=True)]
        print(f"  cost of grouping, best against best: wall {100 * (min(times[True]) / min(times[False]) - 1):+.1f}%, "
              f"CPU {100 * (min(cpu[True]) / min(cpu[False]) - 1):+.1f}%")  # fmt: skip
        print(f"  cost of grouping, median of the rounds: wall {100 * (statistics.median(wall_ratios) - 1):+.1f}%, "
              f"CPU {100 * (statistics.median(cpu_ratios) - 1):+.1f}% (target: at most +15%)")  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def signature_cost(groupings: dict[str, types.ModuleType], docs: int) -> None:
    """Microseconds per article of ``signature(body)``, each grouping in turn, five times; the best."""
    items = read_jsonl("xwlb.jsonl.gz")
    bodies = [body_of(item) for item in items[:: max(1, len(items) // docs)][:docs]]
    best: dict[str, float] = {}
    for _ in range(5):  # alternated: the shared machine's speed drifts
        for label, stories_module in groupings.items():
            started = time.process_time()  # CPU seconds: other processes on the machine count less
            for body in bodies:
                stories_module.signature(body)
            best[label] = min(best.get(label, float("inf")), time.process_time() - started)
    chars = sum(map(len, bodies)) / len(bodies)
    for label, seconds in best.items():
        print(f"  signature, {label}: {1e6 * seconds / len(bodies):.0f} µs per article "
              f"({len(bodies)} xwlb items across the corpus, {chars:.0f} characters on average)")  # fmt: skip


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
    parser.add_argument(
        "--baseline", default="de0ce96",
        help="git revision whose search/stories.py is measured beside the working tree ('' for none)",
    )  # fmt: skip
    parser.add_argument("--signature-docs", type=int, default=0, help="the signature's cost on N articles")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: no corpus at {CORPUS}")
        return 0
    if args.index_docs and args.cost_only:
        indexing_cost(args.index_docs, args.procs)
        return 0
    from search import stories

    groupings = {f"baseline {args.baseline}": load_stories(args.baseline)} if args.baseline else {}
    groupings["working tree"] = stories
    if args.signature_docs:
        signature_cost(groupings, args.signature_docs)
    reprints = reprint_set(args.originals)
    for label, stories_module in groupings.items():
        result = evaluate(reprints, stories_module)
        print(f"{label}: reprint set of {result['documents']} documents ({result['templates']} template items), "
              f"{result['reprints']} reprints")  # fmt: skip
        for part, figures in result["figures"].items():
            print(f"  {part}: precision {figures['precision']:.4f} (target 0.98)  recall {figures['recall']:.4f}"
                  f" (target 0.95); {figures['true_pairs']} true pairs, {figures['predicted_pairs']} predicted")  # fmt: skip
        print(f"  recall by change (classic): {result['per_kind_recall']}")
        print(f"  wrong pairs between template items: {result['wrong_template_pairs']}; "
              f"template reprints joined: {result['template_reprint_recall']:.3f}")  # fmt: skip
        print(
            f"  assigned in {result['seconds']} s; wrong pairs (first 10): {result['false_pairs_examples']}"
        )
        template_reports(stories_module)
    if args.corpora:
        corpus_stories(groupings)
    if args.index_docs:
        indexing_cost(args.index_docs, args.procs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
