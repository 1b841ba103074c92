"""The publication date of an article, with its precision and how it was found.

Where a date can come from, most trusted first:

1. a labelled line in the head (``发布时间:2025/11/19``, ``【 日  期 】19960306``);
2. a timestamp on a dateline or byline line of the head (``2018-06-13 09:40:57  來源:…``);
3. a dateline opening the body (``（新华社郑州7月21日电）``, ``本报讯 2月27日上午``,
   ``2月16日上午(正月十六),…``), whose year, when missing, is inferred from the
   article itself: years named in the title and lead, a yearly review held early
   in the next year, zodiac-year and lunar-calendar cues;
4. the tail: a labelled line, a lone timestamp line, or the CNA code ``（編輯：…）1141112``.

A year named only as a target (``到2025年建成``) is never a publication year, and a
day with no year that cannot be inferred gives no date at all: a wrong date in a
facet is worse than none.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from search.extract.title import Head, HeadLine, date_line_rest, line_labels, split_head, tail_lines
from search.normalize import to_simplified

LEAD_CHARS = 300  # the lead read for datelines and context years

# Gregorian month and day of the lunar new year (正月初一) for 1901-2099, from
# the lunardate package's tables; used to turn "正月十六" into a calendar date.
_FIRST_YEAR = 1901
_NEW_YEAR_DAYS = (
    "0219 0208 0129 0216 0204 0125 0213 0202 0122 0210 0130 0218 0206 0126 0214 0203 0123 0211 0201 0220 "
    "0208 0128 0216 0205 0124 0213 0202 0123 0210 0130 0217 0206 0126 0214 0204 0124 0211 0131 0219 0208 "
    "0127 0215 0205 0125 0213 0202 0122 0210 0129 0217 0206 0127 0214 0203 0124 0212 0131 0218 0208 0128 "
    "0215 0205 0125 0213 0202 0121 0209 0130 0217 0206 0127 0215 0203 0123 0211 0131 0218 0207 0128 0216 "
    "0205 0125 0213 0202 0220 0209 0129 0217 0206 0127 0215 0204 0123 0210 0131 0219 0207 0128 0216 0205 "
    "0124 0212 0201 0122 0209 0129 0218 0207 0126 0214 0203 0123 0210 0131 0219 0208 0128 0216 0205 0125 "
    "0212 0201 0122 0210 0129 0217 0206 0126 0213 0203 0123 0211 0131 0219 0208 0128 0215 0204 0124 0212 "
    "0201 0122 0210 0130 0217 0206 0126 0214 0202 0123 0211 0201 0219 0208 0128 0215 0204 0124 0212 0202 "
    "0121 0209 0129 0217 0205 0126 0214 0203 0123 0211 0131 0219 0207 0127 0215 0205 0124 0212 0202 0122 "
    "0209 0129 0217 0206 0126 0214 0203 0124 0210 0130 0218 0207 0127 0215 0205 0125 0212 0201 0121"
).split()
_ZODIAC = "鼠牛虎兔龙蛇马羊猴鸡狗猪"  # 2020 was a year of the rat

_YEAR = r"(?:19|20)\d{2}"
_FULL_DATE_RE = re.compile(
    rf"(?<!\d)({_YEAR})\s*(?:([-/.])\s*(\d{{1,2}})\s*\2\s*(\d{{1,2}})(?!\d)|年\s*(\d{{1,2}})\s*月\s*(\d{{1,2}})\s*[日号]?)"
)
_ROC_DATE_RE = re.compile(r"民国\s*(\d{2,3})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_COMPACT_DATE_RE = re.compile(rf"(?<!\d)({_YEAR})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)")
_COMPACT_LIKE_RE = re.compile(r"\d{8}")
_MONTH_RE = re.compile(rf"(?<!\d)({_YEAR})\s*(?:年\s*(\d{{1,2}})\s*月|[-/.](\d{{1,2}}))(?![\d日号])")
_ISSUE_RE = re.compile(rf"({_YEAR})(?:\d{{2}}(?:[/-]\d{{2}})?)?")  # "199802", "199905/06": issues of a year
_YEAR_ONLY_RE = re.compile(rf"(?<!\d)({_YEAR})\s*年?(?!\d)")

_DATE_LABELS = (
    "发布时间",
    "发布日期",
    "发表时间",
    "发表日期",
    "发稿时间",
    "出版日期",
    "刊发日期",
    "文章日期",
    "日期",
    "时间",
)
_ISSUE_LABELS = ("原刊期号",)  # a journal issue: the year is all it tells
_LATE_LABELS = ("更新时间",)  # used only when nothing else is labelled
# Labels whose dates are not the article's: prose (an abstract), or another event's date.
_PROSE_LABELS = {
    "内容提要", "提要", "摘要", "内容摘要", "英文摘要", "摘要题", "关键词", "关键字", "标题", "题目", "英文标题",
    "标题注释", "分类名", "作者简介", "编者按", "参考文献",
    "收稿日期", "修回日期", "出生日期", "截稿日期", "会议时间", "活动时间", "发生时间", "事发时间",
}  # fmt: skip

_DATE_PAIR = rf"(?:({_YEAR})\s*年\s*)?(\d{{1,2}})\s*月\s*(\d{{1,2}})\s*[日号]"
# "（新华社郑州7月21日电）", "本报无锡4月12日电", "本报北京1月16日讯".
_DIAN_RE = re.compile(_DATE_PAIR + r"\s*(?:电|讯)")
# "本报讯 2月27日上午", "本报讯（记者 张三）2月27日".
_XUN_RE = re.compile(r"^[\s(（【\[]*\S{0,12}?讯\s*(?:[（(【\[][^）)】\]]{0,30}[）)】\]])?\s*" + _DATE_PAIR)
_TIME_OF_DAY = r"(?:上午|下午|晚上|晚间|晚|早上|早晨|清晨|凌晨|中午|傍晚|夜间|白天)"
# A lead that opens on the day of the event: "2月16日上午(正月十六),元宵节刚过,…".
_OPENER_RE = re.compile(r"^" + _DATE_PAIR + rf"\s*({_TIME_OF_DAY})?\s*(?:[(（][^)）]{{0,12}}[)）])?\s*[,，]")
# "（編輯：吳素柔）1141112 本網站之文字…": 中央社's ROC date code, after the editor or
# right before its copyright line.
_CNA_CODE_RE = re.compile(
    r"[（(]编[辑译][:：][^）)]{1,20}[）)]\s*(\d{3})(\d{2})(\d{2})(?!\d)|(?<![\d.,])(\d{3})(\d{2})(\d{2})\s*(?=本网站之文字)"
)

_CONTEXT_YEAR_RE = re.compile(rf"(?<!\d)({_YEAR})\s*年(?!代)")
# Target and plan years: "到2025年建成", "力争2030年", "2035年远景目标", "2025年前".
_TARGET_BEFORE_RE = re.compile(
    r"(?:到|力争|争取|预计|计划|目标|展望|迈向|面向|将于|将在|确保|至|下届|明年|申办)\s*$"
)
_TARGET_AFTER_RE = re.compile(r"^年(?:前|底前|末前|以前|远景|目标|愿景|规划|将|要)")
# A review of a year, held early in the next: "2017年度…总结表彰大会", "回顾了2017年工作".
_REVIEW_RE = re.compile(
    rf"({_YEAR})\s*年度?[^。，,；\n]{{0,24}}?(?:总结|表彰|考核|述职|盘点|评选|揭晓|颁奖)|(?:回顾|总结)了?\s*({_YEAR})\s*年"
)
_FUTURE_RE = re.compile(r"下届|明年|将|拟|计划|规划|目标")
_ANNIVERSARY_RE = re.compile(r"纪念|周年|诞辰|逝世|回眸|回望")
# A clause about the day of the news: its years are the news's own.
_NOW_RE = re.compile(r"今天|今日|今年|本月|当天|当日|日前|近日|昨天|昨日|上午|下午|晚上")
_CLAUSE_RE = re.compile(r"[，。；！？,;!?]")
_REVIEW_MONTHS = range(1, 5)
_LUNAR_DAY_RE = re.compile(
    r"正月(初[一二三四五六七八九十]|十[一二三四五六七八九]|二十[一二三四五六七八九]?|廿[一二三四五六七八九]|三十)"
)
_ZODIAC_RE = re.compile(rf"(?<!猴)([{_ZODIAC}])年(?![代纪级龄马])")
_DIGITS = {c: n for n, c in enumerate("一二三四五六七八九十", start=1)}


@dataclass(frozen=True)
class PublicationDate:
    """A publication date: ``value`` is "YYYY-MM-DD", "YYYY-MM" or "YYYY"."""

    value: str
    precision: str  # "day", "month" or "year"
    basis: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def extract_date(text: str, title: str | None = None) -> PublicationDate | None:
    """The publication date stated in ``text`` (after ``clean_characters``), or ``None``.

    ``title`` is a title that came with the document (its years count as context).
    """
    head = split_head(text)
    return (
        _labelled(line.simplified for line in head.lines if line.role == "label")
        or _head_timestamp(head)
        or _dateline(head, title)
        or _tail_date(text)
    )


def parse_date(value: str) -> PublicationDate | None:
    """A date given with a document, in any common format, normalized (basis "given")."""
    simplified = to_simplified(str(value)).strip()
    if _FULL_DATE_RE.search(simplified) or _COMPACT_LIKE_RE.fullmatch(simplified):
        found = _full_date(simplified) or _compact_date(simplified)  # "2018-02-30" stays unread
    else:
        found = _month(simplified) or _year_only(simplified)
    return PublicationDate(found.value, found.precision, "given") if found else None


# ---------------------------------------------------------------------------
# Explicit dates
# ---------------------------------------------------------------------------


def _day(year: int, month: int, day: int, basis: str) -> PublicationDate | None:
    try:
        return PublicationDate(date(year, month, day).isoformat(), "day", basis)
    except ValueError:
        return None


def _full_dates(text: str) -> Iterator[PublicationDate]:
    for match in _FULL_DATE_RE.finditer(text):
        month, day = (match.group(3), match.group(4)) if match.group(2) else (match.group(5), match.group(6))
        found = _day(int(match.group(1)), int(month), int(day), "")
        if found:
            yield found
    for match in _ROC_DATE_RE.finditer(text):
        found = _day(int(match.group(1)) + 1911, int(match.group(2)), int(match.group(3)), "")
        if found:
            yield found


def _full_date(text: str) -> PublicationDate | None:
    return next(_full_dates(text), None)


def _compact_date(text: str) -> PublicationDate | None:
    match = _COMPACT_DATE_RE.search(text)
    return _day(int(match.group(1)), int(match.group(2)), int(match.group(3)), "") if match else None


def _month(text: str) -> PublicationDate | None:
    match = _MONTH_RE.search(text)
    if not match:
        return None
    month = int(match.group(2) or match.group(3))
    return PublicationDate(f"{match.group(1)}-{month:02d}", "month", "") if 1 <= month <= 12 else None


def _year_only(text: str) -> PublicationDate | None:
    match = _YEAR_ONLY_RE.fullmatch(text.strip())
    return PublicationDate(match.group(1), "year", "") if match else None


def _with_basis(found: PublicationDate | None, basis: str) -> PublicationDate | None:
    return PublicationDate(found.value, found.precision, basis) if found else None


def _labelled(lines: Iterable[str]) -> PublicationDate | None:
    late = None
    for simplified in lines:
        for label, value in line_labels(simplified):
            if label in _DATE_LABELS:
                found = _full_date(value) or _compact_date(value) or _month(value) or _year_only(value)
                if found:
                    return _with_basis(found, f"labelled line ({label})")
            elif label in _ISSUE_LABELS:
                found = _compact_date(value) or _issue_year(value)
                if found:
                    return _with_basis(found, f"labelled line ({label})")
            elif label in _LATE_LABELS and late is None:
                late = _with_basis(_full_date(value), f"labelled line ({label})")
    return late


def _issue_year(value: str) -> PublicationDate | None:
    match = _ISSUE_RE.match(value.strip())
    return PublicationDate(match.group(1), "year", "") if match else None


def _head_timestamp(head: Head) -> PublicationDate | None:
    candidates = []
    for number, line in enumerate(head.lines):
        if line.role in ("dateline", "byline", "outlet") or line.role == "label" and not _prose_label(line):
            found = _full_date(line.simplified)
            if found:
                # "（1996年4月16日于北京）" under a speech's title dates the speech, not the page.
                bracketed = line.simplified.lstrip().startswith(("(", "（"))
                basis = "date under title" if bracketed else "timestamp in head"
                # A line that is nothing but a timestamp beats one with more words.
                candidates.append((bracketed, date_line_rest(line.simplified) > 0, number, found, basis))
    if not candidates:
        return None
    *_, found, basis = min(candidates, key=lambda candidate: candidate[:3])
    return _with_basis(found, basis)


def _prose_label(line: HeadLine) -> bool:
    return any(label in _PROSE_LABELS for label, _ in line_labels(line.simplified))


def _tail_date(text: str) -> PublicationDate | None:
    lines = [line.simplified for line in tail_lines(text)]
    for simplified in reversed(lines):
        # Both of the code's forms hold one of these words: most lines need no search.
        match = ("编" in simplified or "本网站之文字" in simplified) and _CNA_CODE_RE.search(simplified)
        if match:  # 中央社 ends with the date in the ROC calendar: 1141112 is 2025-11-12
            year, month, day = (int(group) for group in match.groups() if group)
            found = _day(year + 1911, month, day, "ROC date code in tail")
            if found:
                return found
    labelled = _labelled(lines)
    if labelled:
        return PublicationDate(labelled.value, labelled.precision, labelled.basis + " in tail")
    for simplified in reversed(lines):
        if len(simplified) > 30:
            continue
        rest = _FULL_DATE_RE.sub("", simplified)
        if len(re.findall(r"[\u4e00-\u9fff]", rest)) < 2:
            found = _full_date(simplified)
            if found:
                return _with_basis(found, "timestamp in tail")
    return None


# ---------------------------------------------------------------------------
# Datelines, and the year they leave out
# ---------------------------------------------------------------------------


def _dateline(head: Head, title: str | None) -> PublicationDate | None:
    lead = head.lead_text(LEAD_CHARS)
    found = _dateline_match(head)
    if not found:
        return None
    year, month, day, kind = found
    if year:
        return _day(year, month, day, kind)
    context = "\n".join([title or ""] + [line.simplified for line in head.lines if line.role == "title"])
    inferred = infer_year(month, day, to_simplified(context), lead)
    if not inferred:
        return None
    return _day(inferred[0], month, day, f"{kind}+{inferred[1]}")


def _dateline_match(head: Head) -> tuple[int | None, int, int, str] | None:
    first = head.lead[0] if head.lead else ""
    for pattern, kind, text in (
        (_XUN_RE, "dateline", first),
        (_DIAN_RE, "dateline", first[:120]),
        (_OPENER_RE, "lead date", _substantive_lead(head)),
    ):
        match = pattern.search(text)
        if match:
            year = int(match.group(1)) if match.group(1) else None
            if kind == "lead date" and year and not match.group(4):
                continue  # "2008年5月12日，…" opening a lead is often history, not the news
            return year, int(match.group(2)), int(match.group(3)), kind
    return None


def _substantive_lead(head: Head) -> str:
    # A slogan such as "人勤春来早,奋斗新征程。" may come before the lead itself.
    for line in head.lead:
        if len(line) >= 20:
            return line
    return ""


def infer_year(month: int, day: int, title: str, lead: str) -> tuple[int, str] | None:
    """The year of a dateline that gives only month and day, from the article's own
    cues: a lunar date, a zodiac year, years the title and lead place the news in.
    ``None`` when the cues are missing or disagree."""
    context = title + "\n" + lead
    evidence = year_evidence(title, lead, month)
    zodiac = {match.group(1) for match in _ZODIAC_RE.finditer(context)}
    lunar = _LUNAR_DAY_RE.search(lead)
    if lunar:
        candidates = _lunar_years(month, day, _lunar_day(lunar.group(1)))
        cues = f"lunar date ({lunar.group(0)})"
        if zodiac:
            candidates = [year for year in candidates if _zodiac_of(year, month, day) in zodiac]
            cues += f"+zodiac ({'/'.join(sorted(zodiac))}年)"
        near = [year for year in candidates if any(abs(year - known) <= 1 for known in evidence)]
        if len(near) == 1:
            return near[0], cues + "+context year"
        return (candidates[0], cues) if len(candidates) == 1 else None
    if len(evidence) != 1:
        return None  # no year, or several: better no date than a wrong one
    year, cue = next(iter(evidence.items()))
    if zodiac and _zodiac_of(year, month, day) not in zodiac:
        return None  # the cues disagree
    return year, f"context year ({cue})"


def year_evidence(title: str, lead: str, month: int) -> dict[int, str]:
    """The years an article places its news in, each with the cue that says so.

    Only three cues count, because a lead is full of other years (``自1991年以来``,
    ``1995年第四季度``, ``下届…1999年在北京举行``): a yearly review early in the
    next year (``2017年度…总结表彰大会`` in February is 2018), a year in the title
    (unless an anniversary or a target), and a year in a lead clause that speaks
    of now (``今天召开1996年全国春运电话会议``).
    """
    evidence: dict[int, str] = {}
    reviewed: set[tuple[int, int]] = set()  # (part, offset) of years read as reviews
    parts = (title, lead)
    if month in _REVIEW_MONTHS:
        for number, part in enumerate(parts):
            for match in _REVIEW_RE.finditer(part):
                group = 1 if match.group(1) else 2
                reviewed.add((number, match.start(group)))
                evidence.setdefault(int(match.group(group)) + 1, "yearly review")
    if not _ANNIVERSARY_RE.search(title):
        for match in _CONTEXT_YEAR_RE.finditer(title):
            if (0, match.start(1)) not in reviewed and not _is_target(title, match):
                evidence.setdefault(int(match.group(1)), "title")
    offset = 0
    for clause in _CLAUSE_RE.split(lead):
        if _NOW_RE.search(clause):
            for match in _CONTEXT_YEAR_RE.finditer(clause):
                position = lead.find(clause, offset) + match.start(1)
                if (1, position) not in reviewed and not _is_target(clause, match):
                    evidence.setdefault(int(match.group(1)), "lead: " + _NOW_RE.search(clause).group(0))
        offset += len(clause)
    return evidence


def _is_target(text: str, match: re.Match[str]) -> bool:
    """A year named as a target, a plan, a future event or inside a 《name》."""
    before = text[max(0, match.start() - 4) : match.start()]
    after = text[match.end() - 1 : match.end() + 4]
    if _TARGET_BEFORE_RE.search(before) or _TARGET_AFTER_RE.match(after):
        return True
    clause = re.split(r"[\s，。；！？,;!?]", text[: match.start()])[-1]
    return bool(_FUTURE_RE.search(clause)) or clause.count("《") > clause.count("》")


def _lunar_day(numeral: str) -> int:
    if numeral.startswith("初"):
        return _DIGITS[numeral[1]]
    if numeral.startswith("廿"):
        return 20 + _DIGITS[numeral[1]]
    if numeral.startswith("二十") or numeral.startswith("三十"):
        return _DIGITS[numeral[0]] * 10 + (_DIGITS[numeral[2]] if len(numeral) > 2 else 0)
    return 10 + _DIGITS[numeral[1]]  # 十一 … 十九


@functools.cache
def _new_years() -> tuple[date, ...]:
    return tuple(
        date(_FIRST_YEAR + index, int(month_day[:2]), int(month_day[2:]))
        for index, month_day in enumerate(_NEW_YEAR_DAYS)
    )


def _new_year(year: int) -> date | None:
    index = year - _FIRST_YEAR
    return _new_years()[index] if 0 <= index < len(_NEW_YEAR_DAYS) else None


def _lunar_years(month: int, day: int, lunar_day: int) -> list[int]:
    """Years in which day ``lunar_day`` of the first lunar month falls on ``month``/``day``."""
    offset = timedelta(days=lunar_day - 1)
    return [
        new_year.year for new_year in _new_years() if (new_year + offset).timetuple()[1:3] == (month, day)
    ]


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _zodiac_of(year: int, month: int, day: int) -> str:
    # The zodiac year turns at the lunar new year, not on 1 January.
    new_year = _new_year(year)
    on = _safe_date(year, month, day)
    if new_year and on and on < new_year:
        year -= 1
    return _ZODIAC[(year - 2020) % 12]
