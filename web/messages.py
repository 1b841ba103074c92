"""Errors as the pages say them: the API keeps its English message and adds
a stable ``code``; a page shows the Chinese text of the same error.

One table of patterns over the English messages that ``QueryError`` and the
index store raise (``search/``, ``web/params.py``); a message that is already
Chinese (a page's own 404 text) is shown as it is, and anything unknown gets
the Chinese text of its status.
"""

from __future__ import annotations

import re

CODES = {404: "not_found", 405: "method_not_allowed", 503: "index_unavailable", 500: "internal_error"}
STATUS_TEXT = {
    400: "请求的参数有误。",
    404: "这个地址没有内容。",
    405: "这个地址不接受这种请求。",
    503: "索引暂时无法使用。",
    500: "服务器内部出错，请稍后再试。",
}
PARAMETER_NAMES = {
    "q": "搜索词",
    "page": "页码",
    "per_page": "每页篇数",
    "limit": "建议条数",
    "sort": "排序",
    "script": "字体",
    "date_from": "起始日期",
    "date_to": "截止日期",
    "year": "年份",
    "month": "月份",
    "province": "省份",
    "city": "城市",
    "county": "区县",
    "region": "地区",
    "topic": "主题",
    "source": "来源",
}


def _name(name: str) -> str:
    return PARAMETER_NAMES.get(name, name)


# (English message pattern, Chinese text); the groups are named parameters and numbers.
MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"(?P<name>\w+) is too long: at most (?P<n>\d+) characters"),
        "{name}太长：最多 {n} 个字符。",
    ),
    (re.compile(r"(?P<name>\w+) must be between 1 and (?P<n>\d+)"), "{name}须在 1 到 {n} 之间。"),
    (re.compile(r"(?P<name>\w+) must be a whole number, got .*"), "{name}须是正整数。"),
    (
        re.compile(r"sort must be one of .*"),
        "排序只能是：相关度（relevance）、最新（newest）、最早（oldest）。",
    ),
    (
        re.compile(r"script must be one of .*"),
        "字体只能是：原文（original）、简体（simplified）、繁體（traditional）。",
    ),
    (
        re.compile(r"(?P<name>\w+) must be a date as YYYY-MM-DD, got (?P<value>.*)"),
        "{name}须写成 年-月-日（如 2020-05-01），收到的是 {value}。",
    ),
    (re.compile(r"(?P<name>\w+) is not a valid date: (?P<value>.*)"), "{name} {value} 不是存在的日期。"),
    (
        re.compile(r"region=none is not a filter: use province=none"),
        "地区不能选“未知”，请用省份=未知（province=none）。",
    ),
    (re.compile(r"year must be four digits(?: or none)?"), "年份须是四位数字（如 2020），或 none（未知）。"),
    (re.compile(r"month must be YYYY-MM(?: or none)?"), "月份须写成 年-月（如 2020-05），或 none（未知）。"),
    (re.compile(r"unknown filter (?P<value>.*)"), "没有这个筛选条件：{value}。"),
    (re.compile(r"date_from is after date_to"), "起始日期晚于截止日期。"),
    (re.compile(r"at most (?P<n>\d+) values of (?P<name>\w+)"), "{name}最多选 {n} 个。"),
    (re.compile(r"a document id has 1 to (?P<n>\d+) characters"), "文档编号须有 1 到 {n} 个字符。"),
    (re.compile(r"no document with id (?P<value>.*)"), "没有这篇文档：{value}。"),
    (re.compile(r"the index has not been built yet"), "索引尚未建立：请先运行 xunwen index 建立索引。"),
    (
        re.compile(r"the index is not there.*"),
        "找不到索引（已被删除，或尚未建立）：请运行 xunwen index 建立索引。",
    ),
    (re.compile(r"the index is damaged.*"), "索引已损坏，需要重新建立（xunwen index --rebuild）。"),
    (re.compile(r"internal error"), STATUS_TEXT[500]),
]
_CHINESE_RE = re.compile(r"[\u4e00-\u9fff]")


def error_code(status: int, message: str) -> str:
    """The stable code of an error in the JSON shape: ``query_too_long``, ``bad_parameter``, ..."""
    if status == 400:
        return "query_too_long" if message.startswith("q is too long") else "bad_parameter"
    return CODES.get(status, f"http_{status}")


def page_text(status: int, message: str) -> str:
    """The Chinese text of an error, for the error page."""
    if _CHINESE_RE.search(message or ""):
        return message
    for pattern, text in MESSAGES:
        match = pattern.fullmatch(message or "")
        if match:
            values = match.groupdict()
            if "name" in values:
                values["name"] = _name(values["name"])
            return text.format(**values)
    return STATUS_TEXT.get(status, "出错了。")
