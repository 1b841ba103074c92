"""Which script a text is written in, and conversion to the standard a reader expects.

The display scripts are ``original`` (as written), ``simplified``,
``traditional`` (Taiwan's standard) and ``traditional-hk`` (Hong Kong's).
Text already in the reader's script is never converted: a Taiwan article
keeps its own ``台北`` in the Traditional view. Only text in the other
script is converted, with OpenCC's character tables for the region (not its
phrase tables: ``s2twp`` rewrites vocabulary, 发布通知 -> 釋出通知, which is
no longer what the source said).
"""

from __future__ import annotations

import functools
import re

from search.convert import convert as fast_convert
from search.normalize import to_simplified

SIMPLIFIED, TRADITIONAL = "simplified", "traditional"
DISPLAY_SCRIPTS = ("original", "simplified", "traditional", "traditional-hk")
# Simplified -> each Traditional display script (OpenCC configurations).
_TO_TRADITIONAL = {"traditional": "s2tw", "traditional-hk": "s2hk"}
# A text is Traditional when t2s changes more than this share of its Han
# characters. Measured on the corpus (first 300 characters of each article):
# tw_news and chinatimes never below 0.19, cec, xwlb and fudan never above 0.016.
TRADITIONAL_SHARE = 0.05
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SAMPLE_CHARS = 2000  # enough to decide; a long article is not read whole


def convert(text: str, config: str) -> str:
    """``text`` through one OpenCC configuration (``t2s``, ``s2tw``, ``s2hk``, ...):
    the fast converter of ``search.convert``, identical to OpenCC's output."""
    return fast_convert(text, config)


def text_script(text: str | None) -> str:
    """``"traditional"`` or ``"simplified"``: the script ``text`` is written in
    (text without any Traditional-only character counts as Simplified)."""
    sample = (text or "")[:_SAMPLE_CHARS]
    han = len(_HAN_RE.findall(sample))
    if not han:
        return SIMPLIFIED
    changed = sum(1 for before, after in zip(sample, to_simplified(sample), strict=True) if before != after)
    return TRADITIONAL if changed / han > TRADITIONAL_SHARE else SIMPLIFIED


def script_family(script: str) -> str | None:
    """``traditional-hk`` -> ``traditional``; ``original`` -> None."""
    if script == "original":
        return None
    return TRADITIONAL if script.startswith(TRADITIONAL) else SIMPLIFIED


def needs_conversion(written: str, script: str) -> bool:
    """Whether text written in ``written`` is converted for the display ``script``."""
    family = script_family(script)
    return family is not None and family != written


def to_reader(text: str, script: str, written: str | None = None) -> str:
    """Running text for a reader of ``script``: unchanged when already in it,
    else converted (Taiwan: ``s2tw`` with 臺 written 台, as Taiwan's press
    writes 台北 and 平台; Hong Kong: ``s2hk``; Simplified: ``t2s``)."""
    written = written or text_script(text)
    if not text or not needs_conversion(written, script):
        return text
    if script == SIMPLIFIED:
        return convert(text, "t2s")
    converted = convert(text, _TO_TRADITIONAL[script])
    # Any 臺 here came from a Simplified 台 (台风 is already 颱風, 台灯 檯燈).
    return converted.replace("臺", "台") if script == TRADITIONAL else converted


@functools.lru_cache(maxsize=8192)  # labels repeat on every page: convert each name once
def to_traditional_name(name: str, script: str = TRADITIONAL, official: bool = False) -> str:
    """A name in a Traditional standard: an outlet as the press writes it
    (三立新闻网 -> 三立新聞網, 台视 -> 台視), a place by its ``official`` form
    (台北市 -> 臺北市 in Taiwan's standard, 台北市 in Hong Kong's)."""
    converted = convert(name, _TO_TRADITIONAL.get(script, "s2tw"))
    if script == TRADITIONAL and not official:
        return converted.replace("臺", "台")
    return converted
