"""The query-syntax help shown at ``/help``: one row per operator, as data.

A row marked ``coming`` is for an operator another change is adding; it is
listed (greyed, "即将支持") so that enabling it is one flag here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SyntaxRow:
    example: str
    meaning: str
    coming: bool = False  # shown as not yet available


QUERY_SYNTAX = (
    SyntaxRow("新乡 发展", "每个词都要出现（不加空格也会切成几个词：新乡发展）；简体、繁體都能搜到"),
    SyntaxRow('"高质量发展"', "引号里的文字原样出现（也可用 “…” 或 「…」）"),
    SyntaxRow("新乡 OR 郑州", "出现其中之一即可（也可用 |）"),
    SyntaxRow("发展 -疫情", '排除含有某词的文章（也可写 NOT 疫情，或 -"疫情防控"）'),
    SyntaxRow('title:新乡  title:"高质量发展"', "只在标题里找"),
    SyntaxRow("source:河南日报", "只看某个来源"),
    SyntaxRow("province:河南省  city:新乡市  county:新乡县", "只看某个省、市、县（region: 任一级均可）"),
    SyntaxRow("topic:经济发展  year:2020", "只看某个主题、某一年"),
    SyntaxRow("锣鼓经是什么？", "问句或很长的一句话按自然语言处理：匹配词越多越靠前，不必每个词都出现"),
    SyntaxRow("地震 NEAR/10 救援", "两边都出现，相隔不超过 10 个字，先后不限（同在标题或同在正文）"),
    SyntaxRow('"地震 救援"~10', "引号里的词都出现，彼此相隔不超过 10 个字，先后不限"),
    SyntaxRow("atleast3:疫情", "“疫情”至少出现 3 次"),
)

KEYS = (
    ("/", "跳到搜索框"),
    ("j / k", "结果列表中上下移动"),
    ("↑ / ↓，Enter", "在输入建议中选择"),
    ("n / p", "文章页中跳到下一处 / 上一处匹配"),
)
