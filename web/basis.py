"""How a metadata value was found, in Chinese: the extractors' ``basis``
strings (English, in ``search/extract/``) as the document page shows them.

A basis is either a fixed phrase (``first line``) or a phrase with the
evidence in it (``来源 line in tail``, ``title: 北京 (province) ×2``); the
fixed ones are one table, the others a short list of patterns, each of which
labels its parts with the same table. Anything unknown is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Every fixed basis phrase the extractors produce (grep search/extract/ and
# search/extract/metadata.py), and the parts the patterns below are made of.
BASIS_TEXT = {
    "given": "随文档提供",
    "given, site name removed": "随文档提供，去掉了末尾的网站名",
    "none found": "未找到",
    # titles
    "first line": "首行",
    "标题 label": "“标题”行",
    "derived from first sentence": "由第一句生成",
    # dates
    "timestamp in head": "正文开头的时间",
    "date under title": "标题下的日期",
    "timestamp in tail": "文末的时间",
    "ROC date code in tail": "文末的民国纪年日期代码",
    "dateline": "电头",
    "lead date": "导语开头的日期",
    "context year": "上下文中的年份",
    "yearly review": "年度回顾",  # cues of a context year ("lead: 今年" is a pattern)
    "title": "标题",
    # sources
    "byline": "署名行",
    "title suffix": "标题后缀",
    "footer": "页脚",
    # tags
    "TF-IDF (jieba IDF table)": "TF-IDF 关键词（jieba 词频表）",
}
ZONE_TEXT = {"title": "标题", "dateline": "电头", "lead": "导语", "body": "正文"}
LEVEL_TEXT = {"province": "省级", "city": "市级", "county": "县级"}


def _parts(match: re.Match, render: Callable[..., str]) -> str:
    return render(*match.groups())


def _region_mentions(text: str) -> str:
    """``title: 北京 (province) ×1; body: 海淀 (county) ×2`` in Chinese."""
    zones = []
    for zone in text.split("; "):
        name, _, mentions = zone.partition(": ")
        described = re.sub(
            r"(\S+) \((\w+|\?)\) ×(\d+)",
            lambda match: f"{match[1]}（{LEVEL_TEXT.get(match[2], match[2])}）×{match[3]}",
            mentions,
        )
        zones.append(f"{ZONE_TEXT.get(name, name)}：{described.replace(', ', '、')}")
    return "；".join(zones)


def _keywords(text: str) -> str:
    """``经济发展 14.2 (投资, 项目); 民生 3.1 (就业)`` with Chinese punctuation."""
    text = re.sub(r" \(([^()]*)\)", lambda match: "（" + match[1].replace(", ", "、") + "）", text)
    return "关键词：" + text.replace("; ", "；")


def _year_cues(kind: str, cues: str) -> str:
    """``dateline+lunar date (正月十六)+context year``: where the missing year came from."""
    parts = [basis_label(part) for part in re.split(r"\+(?=[a-z])", cues)]
    return f"{basis_label(kind)}，年份取自" + "、".join(parts)


# (pattern, label) tried in order on a basis that is not in BASIS_TEXT; the
# label gets the pattern's groups and may label them in turn.
PATTERNS: list[tuple[re.Pattern[str], Callable[..., str]]] = [
    (
        re.compile(r"(.*) \(given date (.*) unreadable\)"),
        lambda inner, value: f"{basis_label(inner)}（所给日期 {value} 无法识别）",
    ),
    (re.compile(r"(.+) \(repaired\)"), lambda inner: f"{basis_label(inner)}（乱码已修复）"),
    (re.compile(r"(.+) in tail"), lambda inner: f"文末的{basis_label(inner)}"),
    (re.compile(r"labelled line \((.+)\)"), lambda label: f"“{label}”行"),
    (re.compile(r"(\S+) line"), lambda label: f"“{label}”行"),
    (re.compile(r"(dateline|lead date)\+(.+)"), _year_cues),
    (re.compile(r"lunar date \((.+)\)"), lambda day: f"农历日期（{day}）"),
    (re.compile(r"zodiac \((.+)\)"), lambda year: f"生肖（{year}）"),
    (re.compile(r"context year \((.+)\)"), lambda cue: f"上下文中的年份（{basis_label(cue)}）"),
    (re.compile(r"given \(not resolved: no gazetteer\)"), lambda: "随文档提供（无地名表，未能识别）"),
    (re.compile(r"given \(not resolved: (.+)\)"), lambda value: f"随文档提供（未能识别：{value}）"),
    (re.compile(r"implied by: (.+)"), lambda names: f"由下级地名推断：{names}"),
    (re.compile(r"keywords: (.*)"), _keywords),
    (re.compile(r"((?:title|dateline|lead|body): .+)"), _region_mentions),
    # How given categories became topics (search.extract.metadata._topics).
    (
        re.compile(r"(.+); given category (.+): not a topic"),
        lambda inner, names: f"{basis_label(inner)}；提供的分类“{names}”不是主题",
    ),
    (re.compile(r"given category (.+): not a topic"), lambda names: f"提供的分类“{names}”不是主题"),
    (
        re.compile(r"given \((.+)\)"),
        lambda parts: (
            "随文档提供（" + parts.replace(": not a topic", "：不是主题").replace("; ", "；") + "）"
        ),
    ),
]


def basis_label(basis: str | None) -> str:
    """The Chinese text of one ``basis`` value; ``""`` for none."""
    if not basis:
        return ""
    if basis in BASIS_TEXT:
        return BASIS_TEXT[basis]
    for pattern, label in PATTERNS:
        match = pattern.fullmatch(basis)
        if match:
            return _parts(match, label)
    return basis
