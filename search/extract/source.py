"""The outlet that originally published an article, by its canonical Simplified name.

Where a source can come from, most trusted first:

1. a ``来源:`` / ``來源:`` / ``原文出处`` line in the head;
2. a dateline naming an agency or paper (``（新华社郑州7月21日电）``, ``大河报讯``);
3. an outlet on a byline or timestamp line (``聯合報／ 記者``, ``2025/11/18 自由時報``);
4. a site name appended to the title (``…│TVBS新聞網``);
5. a ``来源:`` line in the tail, outside any disclaimer block;
6. a footer (``中华龙都网版权所有``), unless the footer says the site republishes
   other media's work (``转载自其他媒体``): a republisher is not the source.

``本报讯`` and ``本报记者`` name no outlet, so they give no source.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from search.extract.layout import Head, line_labels, split_head, tail_lines
from search.extract.outlets import (  # noqa: F401  (outlet_names, remove_outlets: also used from here)
    _GENERIC_OUTLET_RE,
    _aliases,
    _known_outlet_re,
    outlet_names,
    remove_outlets,
)
from search.normalize import to_simplified

_SOURCE_LABELS = ("来源", "原文出处", "文章来源", "信息来源", "新闻来源", "稿件来源", "稿源", "出处")
# Values of a source line that name no outlet.
_NO_SOURCE = {
    "本报", "本网", "本站", "本台", "本刊", "网络", "互联网", "综合", "网友", "未知", "原创", "本站原创",
    "转载", "作者", "编辑", "记者", "其他", "来源", "投稿", "网络整理",
}  # fmt: skip
# An unknown outlet on a byline is recognized by its ending ("…日报", "…新闻网"); bare
# "聯合報／ 記者": any "…报" directly before a reporter credit.
_PAPER_BYLINE_RE = re.compile(r"(?<!本)([\u4e00-\u9fff]{2,10}报)\s*[/／]?\s*(?:特约|首席|见习|实习)?记者")
# "（新华社郑州7月21日电）", "据新华社华盛顿3月4日电", "（中央社記者陳容琛新北12日電）".
_AGENCY_DATELINE_RE = re.compile(
    r"^[\s(（【\[据]*([\u4e00-\u9fff]{2,6}?(?:社|网))[^）)，。,\n]{0,24}?\d{1,2}日专?电"
)
# "大河报讯（记者…）", "央视网消息": an outlet's own dateline at the start of the body.
_OUTLET_XUN_RE = re.compile(r"^[\s(（【\[]*([\u4e00-\u9fffA-Za-z]{2,12}?(?:报|网|台|社))(?:讯|消息)")
_FOOTER_RE = re.compile(r"([\u4e00-\u9fffA-Za-z]{2,16}?)\s*版权所有")
# A site that republishes says so in its disclaimer; its name is then not the source.
_REPUBLISHER_RE = re.compile(r"转载自其他媒体|转载目的在于|不代表本网观点|本网其他来源|本网转载|转载自")
_DOMAIN_RE = re.compile(
    r"\s*\b[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:com|net|org|cn|tw|hk)\b\s*", re.IGNORECASE
)
# A name broken by a bad encoding conversion: "周口日??" for 周口日报.
_DAMAGED_ENDINGS = {
    "日": "日报",
    "晚": "晚报",
    "早": "早报",
    "时": "时报",
    "商": "商报",
    "导": "导报",
    "快": "快报",
}
_DAMAGED_RE = re.compile(r"^(.+?)([日晚早时商导快])[?？]+$")
# "CCTV-13新闻频道", "CCTV4", "央视-1": any numbered channel of China Central Television.
_CCTV_CHANNEL_RE = re.compile(r"^(?:cctv|央视)\s*[-－]?\s*\d{1,2}\+?(?!\d)", re.IGNORECASE)
# A source value that still has its label ("来源:城市晚报").
_SOURCE_LABEL_RE = re.compile(r"^(?:来源|稿源|出处|文章来源|新闻来源)\s*[:：]\s*")
_CREDIT_RE = re.compile(r"\s*(?:特约|首席|驻\S{1,4})?记者$")


@dataclass(frozen=True)
class Source:
    """An article's source and how it was found."""

    name: str
    basis: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_PAIRS = {
    "《": "》",
    "“": "”",
    '"': '"',
    "'": "'",
    "「": "」",
    "『": "』",
    "[": "]",
    "【": "】",
    "(": ")",
    "（": "）",
}
_CLOSERS = {closer: opener for opener, closer in _PAIRS.items()}
# "央视《新闻联播》(CCTV)", "新华社（北京）": a name with a note in brackets.
_BRACKETED_NOTE_RE = re.compile(r"(.+?)\s*[(（]([^()（）]+)[)）]")


def _strip_wrapping(name: str) -> str:
    """``name`` without the quotes, brackets and colons around it; a bracket
    whose partner is inside the name stays (``央视《新闻联播》(CCTV)``)."""
    while True:
        name = name.strip().strip(":：").strip()
        if len(name) >= 2 and _PAIRS.get(name[0]) == name[-1]:
            name = name[1:-1]
        elif name and name[0] in _PAIRS and _PAIRS[name[0]] not in name[1:]:
            name = name[1:]
        elif name and name[-1] in _CLOSERS and _CLOSERS[name[-1]] not in name[:-1]:
            name = name[:-1]
        else:
            return name


def canonical_source(name: str) -> str | None:
    """The canonical Simplified name of an outlet, or ``None`` for a non-name
    (``本站``, ``网络``, an unreadable damaged name)."""
    simplified = _strip_wrapping(_SOURCE_LABEL_RE.sub("", _strip_wrapping(to_simplified(name))))
    if _CCTV_CHANNEL_RE.match(simplified):  # "CCTV-4中文国际频道": a channel of the broadcaster
        return _aliases()["cctv"]
    simplified = (
        _DOMAIN_RE.sub(" ", simplified).strip() if re.search(r"[\u4e00-\u9fff]", simplified) else simplified
    )
    # "人民网-人民日报": the page names the paper it took the story from last.
    simplified = re.split(r"\s*[-－—]+\s*", simplified)[-1].strip()
    simplified = _CREDIT_RE.sub("", simplified) or simplified  # "中央社记者" is 中央社
    aliases = _aliases()
    for key in (simplified, simplified.replace(" ", ""), simplified.lower(), *simplified.split()):
        if key in aliases:  # the last: "中央通讯社 CNA", a name and its short form
            return aliases[key]
    note = _BRACKETED_NOTE_RE.fullmatch(simplified)
    if note:
        # The outlet may be the name before the note or the note itself.
        for key in (note.group(1), note.group(2).strip(), note.group(2).strip().lower()):
            if key in aliases:
                return aliases[key]
        if _GENERIC_OUTLET_RE.fullmatch(note.group(1)):
            return note.group(1)  # "城市晚报(长春)": the paper, and where it is
    if "?" in simplified or "？" in simplified:
        return _repair(simplified)
    simplified = simplified.replace(" ", "")
    if simplified in _NO_SOURCE or not 2 <= len(simplified) <= 30:
        return None
    if not re.search(r"[\u4e00-\u9fffA-Za-z]{2}", simplified):
        return None
    return simplified


def _repair(damaged: str) -> str | None:
    pattern = re.compile("^" + re.escape(damaged).replace(r"\?", ".?").replace("？", ".?") + "$")
    known = sorted({name for name in _aliases().values() if pattern.match(name)})
    if len(known) == 1:
        return known[0]
    match = _DAMAGED_RE.match(damaged)
    if match and "?" not in match.group(1):
        return match.group(1) + _DAMAGED_ENDINGS[match.group(2)]
    return None


def extract_source(text: str, title: str | None = None) -> Source | None:
    """The original outlet of ``text`` (after ``clean_characters``), or ``None``.

    ``title`` is a title that came with the document (a site name appended to it counts).
    """
    head = split_head(text)
    return (
        _source_line(line.simplified for line in head.lines if line.role == "label")
        or _dateline_source(head)
        or _byline_source(head)
        or _title_source(head, title)
        or _tail_source(text)
    )


def _source_line(lines) -> Source | None:
    for simplified in lines:
        for label, value in line_labels(simplified):
            if label in _SOURCE_LABELS and value:
                first = value.split()[0] if value.split() else value
                name = canonical_source(first)
                if name:
                    repaired = " (repaired)" if "?" in first or "？" in first else ""
                    return Source(name, f"{label} line{repaired}")
    return None


def _dateline_source(head: Head) -> Source | None:
    first = head.lead[0] if head.lead else ""
    for pattern, basis in ((_AGENCY_DATELINE_RE, "dateline"), (_OUTLET_XUN_RE, "dateline")):
        match = pattern.search(first)
        if match and not match.group(1).startswith(("本", "记者")):
            name = canonical_source(match.group(1))
            if name:
                return Source(name, basis)
    return None


def _byline_source(head: Head) -> Source | None:
    for line in head.lines:
        if line.role not in ("byline", "dateline", "outlet", "label"):
            continue
        found = _outlet_in(line.simplified)
        if found:
            return Source(found, "byline")
    return None


def _outlet_in(simplified: str) -> str | None:
    known = _known_outlet_re().search(simplified)
    if known:
        return canonical_source(known.group(0))
    for pattern in (_PAPER_BYLINE_RE, _GENERIC_OUTLET_RE):
        match = pattern.search(simplified)
        if match:
            name = canonical_source(match.group(1))
            if name:
                return name
    return None


def _title_source(head: Head, title: str | None) -> Source | None:
    titles = [to_simplified(title)] if title else []
    titles += [line.simplified for line in head.lines if line.role == "title"][:1]
    for simplified in titles:
        segments = re.split(r"\s*(?:[|│｜_]|\s-\s)\s*", simplified)
        for segment in reversed(segments[1:]):
            known = _known_outlet_re().fullmatch(segment.strip()) or _known_outlet_re().match(segment.strip())
            if known:
                return Source(canonical_source(known.group(0)) or known.group(0), "title suffix")
            match = _GENERIC_OUTLET_RE.fullmatch(segment.strip())
            if match and canonical_source(match.group(1)):
                return Source(canonical_source(match.group(1)) or "", "title suffix")
    return None


def _tail_source(text: str) -> Source | None:
    tail = tail_lines(text)
    lines = [line.simplified for line in tail]
    block_start = next((number for number, line in enumerate(tail) if line.copyright), len(lines))
    found = _source_line(lines[:block_start])
    if found:
        return Source(found.name, found.basis + " in tail")
    footer = lines[block_start:]
    if any(_REPUBLISHER_RE.search(line) for line in footer):
        return None  # the site republished the article: its name is not the source
    for line in footer:
        match = _FOOTER_RE.search(line)
        if match:
            name = canonical_source(re.sub(r"^.*?(?:©|copyright|\d{4})\s*", "", match.group(1), flags=re.I))
            if name:
                return Source(name, "footer")
    return None
