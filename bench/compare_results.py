"""Same results, same speed: one query set through two versions of the code.

``dump`` runs about 300 varied queries (words, phrases, OR, exclusions,
title:, filters, questions, Traditional script, facets alone, page 2, sort
newest) plus ``document``/``similar``/``count``/``suggestions`` through
``SearchIndex`` and writes the result dicts (minus ``took_ms``) as JSON.
``compare`` runs ``dump`` under two source trees (``PYTHONPATH``) and diffs.
``--timing`` times the set cold and warm under both trees, alternating
processes, and prints p50/p95 side by side.

    python bench/compare_results.py compare --index /tmp/arch-xwlb8k \\
        --old /work/main --new . [--ignore passages] [--timing 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

WORDS = ["经济", "发展", "习近平", "会议", "改革", "农业", "科技", "创新", "河南", "北京", "新疆", "西藏",
         "教育", "医疗", "扶贫", "环境", "航天", "铁路", "高铁", "疫情", "国务院", "人民", "文化", "旅游",
         "能源", "水利", "军队", "外交", "联合国", "美国", "俄罗斯", "日本", "足球", "奥运", "气象", "暴雨",
         "地震", "救援", "春节", "中秋", "新闻联播", "一带一路", "高质量发展", "乡村振兴", "脱贫攻坚",
         "供给侧", "互联网", "人工智能", "大数据", "长江"]  # fmt: skip
TRADITIONAL = ["經濟發展", "會議", "臺灣", "國務院", "鐵路", "習近平", "醫療", "環境保護", "創新", "農業"]
QUESTIONS = ["习近平在哪里考察了？", "什么是供给侧结构性改革", "今年粮食产量是多少？", "高铁通车了吗",
             "为什么要推进乡村振兴", "国务院常务会议讨论了哪些问题", "嫦娥探月工程取得了什么成果？",
             "春节期间的天气怎么样", "中国和美国贸易谈判的进展如何", "哪些省份发生了洪涝灾害"]  # fmt: skip
FILTERS = [{"province": "河南省"}, {"year": "2013"}, {"source": "央视网"}, {"region": "北京"},
           {"province": ["河南省", "北京市"]}, {"year": "2014", "month": "2014-03"},
           {"date_from": "2013-01-01", "date_to": "2013-06-30"}, {"topic": "经济"}, {"city": "郑州市"}]  # fmt: skip


def queries() -> list[dict]:
    """The query set: each item is the keyword arguments of one ``search``."""
    items: list[dict] = [{"query": word} for word in WORDS]
    items += [{"query": f"{a} {b}"} for a, b in zip(WORDS, WORDS[7:], strict=False)][:40]
    items += [{"query": f'"{word}"'} for word in WORDS[::2]]
    items += [{"query": '"发展经济"'}, {"query": '"量发"'}, {"query": '"新"'}, {"query": '"AI"'}]
    items += [{"query": f"{a} OR {b}"} for a, b in zip(WORDS[::3], WORDS[1::3], strict=False)]
    items += [{"query": f"{a} -{b}"} for a, b in zip(WORDS[::4], WORDS[2::4], strict=False)]
    items += [{"query": f'{a} -"{b}"'} for a, b in zip(WORDS[1::5], WORDS[3::5], strict=False)]
    items += [{"query": f"title:{word}"} for word in WORDS[::5]]
    items += [{"query": f'title:"{word}"'} for word in WORDS[2::6]]
    items += [{"query": q} for q in QUESTIONS + TRADITIONAL]
    items += [{"query": "source:央视网 经济"}, {"query": "province:河南 发展"}, {"query": "year:2013 会议"}]
    items += [{"query": "", "filters": f} for f in FILTERS]
    items += [{"query": word, "filters": f} for word, f in zip(WORDS[::3], FILTERS * 2, strict=False)]
    items += [{"query": word, "page": 2} for word in WORDS[:15]]
    items += [{"query": word, "sort": "newest"} for word in WORDS[10:25]]
    items += [{"query": word, "sort": "oldest", "per_page": 30} for word in WORDS[25:30]]
    items += [{"query": ""}, {"query": "", "page": 3, "per_page": 50}, {"query": "的"}, {"query": "()"}]
    items += [{"query": "我国经济发展取得了历史性成就和历史性变革全面深化改革开放"}, {"query": "x" * 1200}]
    items += [{"query": f"{a}{b}"} for a, b in zip(WORDS[20:], WORDS[30:], strict=False)]  # no spaces
    items += [{"query": f"{word} {t}"} for word, t in zip(WORDS[::7], TRADITIONAL, strict=False)]
    items += [{"query": t, "sort": "newest", "page": 2} for t in TRADITIONAL[:5]]
    items += [{"query": "zzzz不存在的词"}, {"query": '新闻联播 "高质量发展" 河南 OR 北京 -疫情'}]
    return items


def _html_as_before(item: dict, kind: str) -> dict:
    """A result of the new code (passages as data) with the HTML the old
    library made, now made at the web edge, so the two can be compared."""
    if "passages" not in item and "body_ranges" not in item:
        return item
    from web.display import document_for_display, hit_for_display

    shown = hit_for_display(item, "original") if kind == "hit" else document_for_display(item, "original")
    for name in ("passages", "title_ranges", "body_ranges"):
        shown.pop(name, None)
    for name in ("title_html", "body_html"):
        if name in shown:
            shown[name] = str(shown[name])
    if "snippets" in shown:
        shown["snippets"] = [str(snippet) for snippet in shown["snippets"]]
    return shown


def dump(index_dir: str, ignore: set[str]) -> dict:
    """Every result of the query set, and the time each search took (cold, then warm)."""
    from search import open_index

    index = open_index(index_dir)
    out: dict = {"search": [], "document": [], "similar": [], "count": [], "suggestions": []}
    cold, warm = [], []
    items = queries()
    for item in items:
        index.clear_caches()
        started = time.perf_counter()
        result = index.search(**item)
        cold.append(time.perf_counter() - started)
        started = time.perf_counter()
        index.search(**item)
        warm.append(time.perf_counter() - started)
        result.pop("took_ms", None)
        result.pop("facets_truncated", None)  # added by the new code
        result["hits"] = [_html_as_before(hit, "hit") for hit in result["hits"]]
        for hit in result["hits"]:
            for name in ignore:
                hit.pop(name, None)
        for name in ignore:
            result.pop(name, None)
        out["search"].append([item, result])
        if result["hits"] and len(out["document"]) < 60:
            doc_id = result["hits"][0]["id"]
            document = _html_as_before(index.document(doc_id, item["query"]), "document")
            for name in ignore:
                document.pop(name, None)
            out["document"].append([doc_id, item["query"], document])
            out["similar"].append([doc_id, index.similar(doc_id)])
    for item in items[:40]:
        out["count"].append([item, index.count(item["query"], item.get("filters"))])
    out["counts"] = index.counts("经济", [{}, *FILTERS])
    for word in ["經濟", "zzzz", "新乡发展", "发展"]:
        out["suggestions"].append([word, index.suggestions(word)])
    out["timing"] = {"cold": cold, "warm": warm}
    out["queries"] = len(items)
    return out


def _run_dump(tree: str, index_dir: str, ignore: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": tree}
    command = [sys.executable, os.path.abspath(__file__), "dump", "--index", index_dir]
    for name in ignore:
        command += ["--ignore", name]
    done = subprocess.run(command, env=env, cwd=tree, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _percentiles(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return f"p50 {statistics.median(values) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms"


def compare(args: argparse.Namespace) -> int:
    old = _run_dump(args.old, args.index, args.ignore)
    new = _run_dump(args.new, args.index, args.ignore)
    timings = {"old": [old.pop("timing")], "new": [new.pop("timing")]}
    differences = 0
    for kind in old:
        if old[kind] != new[kind]:
            if isinstance(old[kind], list):
                for a, b in zip(old[kind], new[kind], strict=False):
                    if a != b:
                        differences += 1
                        print(f"{kind} differs: {json.dumps(a, ensure_ascii=False)[:300]}")
                        print(f"         new: {json.dumps(b, ensure_ascii=False)[:300]}")
            else:
                differences += 1
                print(f"{kind} differs")
    compared = sum(len(v) if isinstance(v, list) else 1 for v in old.values())
    print(f"{old['queries']} queries; {compared} results compared; {differences} differ")
    for _ in range(args.timing - 1 if args.timing else 0):  # alternate old and new processes
        timings["old"].append(_run_dump(args.old, args.index, args.ignore)["timing"])
        timings["new"].append(_run_dump(args.new, args.index, args.ignore)["timing"])
    if args.timing:
        for kind in ("cold", "warm"):
            for tree in ("old", "new"):
                values = [t for run in timings[tree] for t in run[kind]]
                print(f"{kind:4} {tree}: {_percentiles(values)}  ({len(timings[tree])} runs)")
    return 1 if differences else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=("dump", "compare"))
    parser.add_argument("--index", required=True)
    parser.add_argument("--old", default="/work/main")
    parser.add_argument("--new", default=".")
    parser.add_argument("--ignore", action="append", default=[], help="a field deliberately added")
    parser.add_argument("--timing", type=int, default=0, metavar="RUNS", help="time RUNS runs of each")
    args = parser.parse_args()
    args.new = os.path.abspath(args.new)
    if args.mode == "dump":
        json.dump(dump(args.index, set(args.ignore)), sys.stdout, ensure_ascii=False, default=str)
        return 0
    return compare(args)


if __name__ == "__main__":
    sys.exit(main())
