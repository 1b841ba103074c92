"""The layout of an article: its head (the lines before the body, each with a
role: title, label, byline, dateline, outlet, navigation) and its tail (the
last lines, where footers are). Title, date and source extraction all read
the same head and tail from here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from search.extract.outlets import outlet_names, remove_outlets
from search.normalize import (
    is_copyright_line,
    is_editor_line,
    is_navigation_line,
    lines_to_simplified,
    strip_continuation_marks,
    to_simplified,
)

HEAD_CHARS = 6000  # the head is read from this much of the text at most
HEAD_LINES = 30  # ... and from this many non-empty lines
LEAD_LINES = 4  # body lines kept as the lead
LINE_CHARS = 400  # of a long line (a whole body on one line), only this much is read
TAIL_LINE_CHARS = 200  # ... and this much of the end of a long line in the tail
TAIL_LINES = 12  # lines read from the end for footers
TITLE_MAX_LINES = 3  # kicker + title + subtitle

# Labels of metadata lines, longest first so "发布时间" is not read as "时间".
LABELS = (
    "原文出处 文章来源 信息来源 新闻来源 稿件来源 来源 稿源 出处 责任编辑 实习编辑 编辑 责编 编审 审核 校对 "
    "作者 记者 通讯员 摄影 撰稿 策划 发布时间 发布日期 发表时间 发表日期 发稿时间 更新时间 出版日期 刊发日期 "
    "日期 时间 点击数 点击 浏览次数 浏览 阅读 字号 原刊期号 原刊地名 原刊页号 文献号 分类号 分类名 复印期号 "
    "版号 版次 标题 题目 内容提要 提要 摘要 关键词 关键字 当前位置 您的位置 收稿日期 修回日期 出生日期 截稿日期 "
    "会议时间 活动时间 发生时间 事发时间 作者简介 英文摘要 英文标题 摘要题 标题注释 编者按 文章日期 译者 中图分类号 "
    "参考文献 内容摘要 校对者"
).split()
_LABEL_SET = frozenset(LABELS)
_LABEL_RE = re.compile(
    r"(?:^|(?<=[\s|｜/／\[【(（]))(" + "|".join(sorted(LABELS, key=len, reverse=True)) + r")\s*[:：]"
)
# "【 原文出处 】人民日报", the Fudan corpus header (spaces inside the brackets).
_BRACKET_LABEL_RE = re.compile(r"^\s*[【\[]\s*([^】\]]{1,14}?)\s*[】\]]\s*(.*)$")

_DATE_CORE = r"(?:19|20)\d{2}\s*(?:[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}|年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号]?)"
_DATE_RE = re.compile(_DATE_CORE)
_TIME_RE = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")
_BRACKETED_RE = re.compile(r"[【\[(（〔][^】\])）〕]{0,40}[】\])）〕]")
_CREDIT_RE = re.compile(
    r"(?:本报|本台|本网)?(?:特约|首席|见习|实习)?(?:记者|通讯员|编辑|责编|作者|摄影|报道|综合报导|报导)"
)
_HAN_RE = re.compile(r"[\u3400-\u9fff]")
# Words every copyright line has one of (is_copyright_line converts again; skip it when none).
_COPYRIGHT_HINTS = ("版权", "声明", "授权", "转载", "本网")
# A byline: "本报记者 焦明瑞", "聯合報／ 記者", "(记者 张三 通讯员 李四)", "文/图 王五".
_BYLINE_RE = re.compile(
    r"^[【\[][^】\]]{0,40}[/／][^】\]]{0,12}[】\]]$"  # "【呂筱蟬、張立勳/連線報導】", "【■鈕則勳/】"
    r"|^[\s(（\[【]*(?:[\u4e00-\u9fffA-Za-z]{1,12}?(?:报|网|社|台|新闻|新闻云)\s*[/／]"  # "聯合新聞網/ 綜合報導"
    r"|(?:[\u4e00-\u9fffA-Za-z]{1,12}?(?:报|网|社|台|新闻|新闻云)\s*)?"
    r"(?:本报|本台|本网|本刊)?\s*(?:特约|首席|见习|实习|驻\S{1,4})?(?:记者|通讯员|撰稿人?|摄影|编辑|作者|文\s*[/／]|图\s*[/／]))"
)
# Dateline openers that start a body paragraph: "本报讯", "（新华社郑州7月21日电）", "据新华社…电".
_BODY_OPENER_RE = re.compile(
    r"^[\s(（【\[]*(?:据|本报|本台|本网|\S{0,10}?(?:社|网|报|台)\S{0,12}?\d{1,2}日电|[\u4e00-\u9fff]{1,10}?(?:报|网|台|社)讯)"
)
_SENTENCE_END_RE = re.compile(r"[。！？!?；;]")
# Body text has full stops; titles may have ！ or ？ (and a damaged "日??"), rarely 。.
_FULL_STOP_RE = re.compile(r"[。；]")
_CRUMB_RE = re.compile(r"(?:首页|当前位置|您的位置|您现在的位置).{0,40}[>»＞→]|(?:[>»＞]\s*\S{1,8}\s*){2,}")
_TITLE_SEPARATOR_RE = re.compile(r"\s*(?:[|│｜]|_|\s-\s|\s—\s)\s*")
# A site or section name at the end of a title: "…│TVBS新聞網", "… | 娛樂星聞 | 三立新聞網 SETN.COM".
_SUFFIX_SEGMENT_CHARS = 16


@dataclass(frozen=True)
class HeadLine:
    """One non-empty line of the head: as written, in Simplified, and its role."""

    text: str
    simplified: str
    role: str  # "nav", "title", "label", "byline", "dateline", "outlet", "other"


@dataclass(frozen=True)
class Head:
    """The lines before the body, and the first lines of the body (the lead)."""

    lines: tuple[HeadLine, ...]
    lead: tuple[str, ...]  # Simplified, continuation marks removed, at most LINE_CHARS each
    lead_original: tuple[str, ...]  # the same lines as written (same length: t2s keeps it)

    def title_lines(self) -> list[HeadLine]:
        return [line for line in self.lines if line.role == "title"]

    def lead_text(self, chars: int = 300) -> str:
        return "\n".join(self.lead)[:chars]


def _bracket_label(simplified: str) -> re.Match[str] | None:
    # "【 日  期 】19960306" is a label; "【記者莊偉祺/台北報導】普發現金…" is a byline.
    match = _BRACKET_LABEL_RE.match(simplified)
    return match if match and re.sub(r"\s", "", match.group(1)) in _LABEL_SET else None


def line_labels(simplified: str) -> list[tuple[str, str]]:
    """The ``(label, value)`` pairs of a metadata line, e.g. ``来源:河南日报  责编:赵滢溪``."""
    bracket = _bracket_label(simplified)
    if bracket:
        return [(re.sub(r"\s", "", bracket.group(1)), bracket.group(2).strip())]
    if ":" not in simplified and "：" not in simplified:
        return []
    matches = list(_LABEL_RE.finditer(simplified))
    pairs = []
    for number, match in enumerate(matches):
        end = matches[number + 1].start() if number + 1 < len(matches) else len(simplified)
        pairs.append((match.group(1), simplified[match.end() : end].strip()))
    return pairs


def date_line_rest(simplified: str) -> int:
    """How many Han characters a line has besides its dates, times, outlet names
    and reporter credits: few on a timestamp line, many on a title with a date."""
    rest = remove_outlets(_TIME_RE.sub("", _DATE_RE.sub("", simplified)))
    rest = _BRACKETED_RE.sub("", rest)  # "【王正寧、周毓翔/台北報導】", "（记者 张三）"
    return len(_HAN_RE.findall(_CREDIT_RE.sub("", rest)))


def _is_date_line(simplified: str) -> bool:
    # "2018-06-13 09:40:57 …", "嘉兴在线新闻网 2013年07月13日 13:41:01", "2025/11/19 記者";
    # not "2014年1月7日广州番禺商铺火灾：一名女子被烧死" (a title that opens with a date).
    return bool(_DATE_RE.search(simplified)) and date_line_rest(simplified) < 6


def _is_body_line(simplified: str, after_title: bool = False) -> bool:
    stripped = simplified.strip()
    if _FULL_STOP_RE.search(stripped) or len(clean_title(stripped)) > 60:
        return True
    # After the title, a hard-wrapped body line ("…第一次对外公布，截止到") shows by
    # its clause commas (a title may have one too, so not before it).
    if after_title and len(stripped) >= 25 and "，" in stripped[:-1]:
        return True
    return bool(_BODY_OPENER_RE.match(stripped)) and len(stripped) > 20


def _role(simplified: str, outlet_names: frozenset[str]) -> str:
    stripped = simplified.strip()
    if is_navigation_line(stripped) or _CRUMB_RE.search(stripped) or is_editor_line(stripped):
        return "nav"
    if line_labels(stripped):
        return "label"
    if _is_date_line(stripped):
        return "dateline"
    if len(stripped) <= 40 and _BYLINE_RE.match(stripped):
        return "byline"
    if stripped in outlet_names:
        return "outlet"
    return "other"


@functools.lru_cache(maxsize=16)  # title, date and source all read the same head
def split_head(text: str) -> Head:
    """Sort the opening lines of ``text`` into roles and keep the first body lines.

    The head ends at the first line that reads as body text: a full stop, more
    than 60 characters, a dateline opener such as ``本报讯``, or (after the title)
    a hard-wrapped line with a clause comma.
    """
    names = outlet_names()  # source names mark "outlet" lines
    lines: list[HeadLine] = []
    lead: list[str] = []
    lead_original: list[str] = []
    title_started = title_closed = False
    cut = [(raw, raw[: LINE_CHARS + 40].strip()) for raw in text[:HEAD_CHARS].split("\n")]
    cut = [(raw, line) for raw, line in cut if line]
    for (raw, line), simplified in zip(cut, lines_to_simplified([line for _, line in cut]), strict=True):
        if "接" in simplified or "转" in simplified:  # "(上接第一版)": rare, so checked cheaply first
            line = strip_continuation_marks(line).strip()
            simplified = to_simplified(line)
        line, simplified = line[:LINE_CHARS], simplified[:LINE_CHARS]
        if not line:
            continue
        if lead or _is_body_line(simplified, title_started) and not _bracket_label(simplified):
            if not lead and lines and lines[-1].role == "label" and _label_follows(text, raw):
                # A long line inside a labelled header ("【 标  题 】…" wrapped, then "【 作  者 】").
                lines.append(HeadLine(line, simplified, "other"))
                continue
            lead.append(simplified)
            lead_original.append(line)
            if len(lead) >= LEAD_LINES:
                break
            continue
        role = _role(simplified, names)
        if role == "other" and not title_closed and _title_like(simplified, title_started):
            role = "title"
            title_started = True
        elif title_started and role != "nav":
            title_closed = True
        lines.append(HeadLine(line, simplified, role))
        if len(lines) >= HEAD_LINES:
            break
    return Head(tuple(_limit_title(lines)), tuple(lead), tuple(lead_original))


def _label_follows(text: str, raw: str) -> bool:
    """Whether one of the two lines after ``raw`` is a bracket label."""
    position = text.find(raw)
    following = [
        line for line in text[position + len(raw) : position + len(raw) + 600].split("\n") if line.strip()
    ]
    return any(_bracket_label(to_simplified(line.strip())) for line in following[:2])


def _title_like(simplified: str, continuing: bool) -> bool:
    stripped = simplified.strip()
    if (
        is_copyright_line(stripped)
        or not _HAN_RE.search(stripped)
        and not re.search(r"[A-Za-z]{3}", stripped)
    ):
        return False
    # A kicker or subtitle has some length; a lone name after the title is a byline.
    return len(stripped) >= (5 if continuing else 2)


def _limit_title(lines: list[HeadLine]) -> list[HeadLine]:
    kept, count = [], 0
    for line in lines:
        if line.role == "title":
            count += 1
            if count > TITLE_MAX_LINES:
                line = HeadLine(line.text, line.simplified, "other")
        kept.append(line)
    return kept


@dataclass(frozen=True)
class TailLine:
    """One of the last lines of an article: as written, in Simplified, and whether
    it is a copyright or disclaimer line."""

    text: str
    simplified: str
    copyright: bool


@functools.lru_cache(maxsize=16)
def tail_lines(text: str, count: int = TAIL_LINES) -> tuple[TailLine, ...]:
    """The last ``count`` non-empty lines, in order; of a long line only its last
    ``TAIL_LINE_CHARS`` characters (where a footer would be)."""
    lines: list[str] = []
    for raw in reversed(text[-4000:].split("\n")):
        line = raw.strip()[-TAIL_LINE_CHARS:]
        if line:
            lines.append(line)
            if len(lines) >= count:
                break
    lines.reverse()
    tail = []
    for line, simplified in zip(lines, lines_to_simplified(lines), strict=True):
        hinted = any(word in simplified for word in _COPYRIGHT_HINTS)
        tail.append(TailLine(line, simplified, hinted and is_copyright_line(simplified)))
    return tuple(tail)


# ---------------------------------------------------------------------------
# The title
# ---------------------------------------------------------------------------


def clean_title(title: str) -> str:
    """Drop site and section names appended to a title (``…│TVBS新聞網``,
    ``… | 娛樂星聞 | 三立新聞網 SETN.COM``), keeping the headline itself."""
    kept = title.strip()
    while True:
        separators = list(_TITLE_SEPARATOR_RE.finditer(kept))
        if not separators:
            return kept
        last = separators[-1]
        headline = kept[: last.start()].strip()
        if not _is_suffix_segment(kept[last.end() :]) or len(headline) < 6:
            return kept
        kept = headline


def _is_suffix_segment(segment: str) -> bool:
    # A site or section name is short and has no clause punctuation of a headline.
    return len(segment) <= _SUFFIX_SEGMENT_CHARS and not re.search(r"[，,：:！？!?、]", segment)
