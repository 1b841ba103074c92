"""Region extraction: which province, city and county an article is about.

``extract_region`` scans the Simplified text for every name in the gazetteer
(a dictionary probe per character, whatever the number of names), decides
what each name means, and weighs the meanings by where they occur (title,
then lead, then body) and how often.

Which mentions count (the policy; unknown stays unknown, since a wrong region
is worse than none):

* A *distinctive* name counts on its own: a full name of three characters or
  more (河南省, 新乡市, 管城回族区, 枣强县), a province's short name (河南,
  内蒙古), a prefecture's short name (新乡, 周口), a county's short name of
  three characters or more (石景山).
* A *weak* name counts only when its province or its parent division is named
  elsewhere in the text: county names of two characters (管城 with 郑州, 枣强
  with 河北, 和县) and former names of two characters.
* A *word-like* name counts only when its parent division is named elsewhere:
  names that are also ordinary words or generic descriptions (和平, 长安,
  公安, 朝阳, 鼓楼, 老城区, 市中区), as flagged in the gazetteer.
* One-character names are never matched; 开发区, 新区 and 高新区 are not names.
* A name held by several divisions (朝阳区 in Beijing and Changchun, 鼓楼区 in
  four cities) takes the meaning whose parent, else whose province, is named
  elsewhere; if that leaves more than one, the name only supports what its
  meanings share (a province, say), or nothing.
* A name followed by 路, 街, 大道 ... is a street (北京路 in Guangzhou), and a
  few fixed phrases are not places at all (北京时间, 兰州拉面, 沙县小吃).
* A full name whose last character starts a word (合作市场, 合作市级) is read
  without it: 合作, a word-like name, rather than 合作市 in Gansu.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import numpy as np

from search import gazetteer, speedups
from search.gazetteer import Region, Sense
from search.normalize import code_points, is_navigation_line, to_simplified

# Where a mention stands, and what it weighs there.
# A dateline (新华社北京5月12日电) says where the report was filed, not what it
# is about: weaker evidence than a passing mention in the body, and never
# enough alone (MIN_SCORE), so the story's own places decide.
ZONE_WEIGHTS = {"title": 4.0, "dateline": 0.5, "lead": 2.0, "body": 1.0}
# 新华社北京5月12日电, 本报兰州讯, 中新社北京五月十三日电, 中新网西宁2月22日电: agency or
# paper, place, date, 电/讯, at the start of a line of the lead (a date line may come first).
_DAY = r"[\d一二三四五六七八九十〇]{1,3}"
DATELINE = re.compile(
    r"^[（(【\[]?据?(?:新华社|中新社|中通社|中新网|本报|本台|央视网|人民网|新华网|中国新闻社|[^\s，。：:（(]{0,8}?(?:社|报|台|网))"
    rf"[^\s，。：:]{{2,12}}?(?:{_DAY}月{_DAY}日)?(?:专?电|讯)",
    re.MULTILINE,
)
LEAD_CHARS = 150  # about the first paragraph of a news report
TITLE_MAX_CHARS = 80  # a first line longer than this is a paragraph, not a title

# Fixed phrases that contain a place name but name no place (or a chain of
# shops everywhere). Matched like names, so the longest match swallows them.
NOT_PLACES = frozenset(
    "中国 中华 中原 江南 北京时间 新华社 新华网 三明治 哈密瓜 兰州拉面 沙县小吃 桂林米粉 德州扑克 中山装 香港脚 "
    "重庆火锅 北京烤鸭 扬州炒饭 天津包子 长安汽车 长安街 中山大学 中山公园".split()
)
# What follows a name that makes it a street or a road rather than a place.
STREET_AFTER = re.compile(r"(?:[东西南北中]?路|大?街|大道|巷|胡同|里弄)")
# Suffix characters and what they form with the next character: 市场, 市级, 县域.
SUFFIX_WORDS = {"市": "场级", "县": "级域", "区": "域级"}

# The primary province needs this share of all provinces' weight, and a city or
# a county this share of its parent's: a national roundup has no province, an
# article about a province that names five of its cities has no city.
SHARES = {"province": 0.5, "city": 0.5, "county": 0.5}
# The least weight a primary region needs: one mention in the title or the
# lead, or two in the body. A single passing mention deep in a national story
# ("...记者在天津看到") does not make it a Tianjin story.
MIN_SCORE = 2.0


@dataclass(frozen=True)
class RegionResult:
    """The primary region (canonical Simplified full names) and the others named."""

    province: str | None
    city: str | None
    county: str | None
    others: tuple[str, ...]
    basis: str

    def as_dict(self) -> dict:
        """Plain data for the index and for JSON."""
        result = asdict(self)
        result["others"] = list(self.others)
        return result


# A place right before 发生 (甘肃天祝发生4.3级地震, 在四川汶川县发生) is where the event
# happened; a place in a list (波及宁夏、甘肃、陕西、...) is one of many touched.
EVENT_AFTER = re.compile(r"[^，。、；\s]{0,6}?发生")
EVENT_FACTOR = 2.0
LISTED_FACTOR = 0.5


@dataclass(frozen=True)
class _Mention:
    name: str
    zone: str
    factor: float = 1.0  # EVENT_FACTOR or LISTED_FACTOR

    @property
    def weight(self) -> float:
        return ZONE_WEIGHTS[self.zone] * self.factor


def extract_region(text: str, title: str | None = None) -> RegionResult | None:
    """The region an article is about, or ``None`` when it names none.

    ``text`` is the article in either script; when ``title`` is not given, the
    first short line of ``text`` is taken as the title, as in a scraped file.
    """
    zones = _zones(text, title)
    mentions = [mention for zone, part in zones for mention in _scan(part, zone)]
    if not mentions:
        return None
    meanings = _resolve({mention.name for mention in mentions})
    scores: Counter[str] = Counter()
    for mention in mentions:
        for adcode in meanings.get(mention.name, ()):
            scores[adcode] += mention.weight
    chosen = {name: supported for name, supported in meanings.items() if supported}
    if not chosen:
        return None
    primary = _primary(scores)
    others = _others(chosen, scores, primary)
    if not primary:
        return RegionResult(
            None, None, None, tuple(others), "no clear leader among: " + "、".join(others[:5])
        )
    return RegionResult(
        province=primary[0].province,
        city=primary[-1].city,
        county=primary[-1].county,
        others=tuple(others),
        basis=_basis(mentions, meanings, primary),
    )


# ---------------------------------------------------------------------------
# Finding names
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _NameIndex:
    names: frozenset[str]
    lengths: dict[str, tuple[int, ...]]  # first two characters -> name lengths, longest first
    starts: np.ndarray  # bool per _pair_hash: whether some name's first two characters hash there


@functools.cache
def _name_index() -> _NameIndex:
    """Every name of two characters or more, plus ``NOT_PLACES``, indexed by its first two characters.

    Why not one regular expression: Python's engine tries the alternatives of
    a 7,000-name pattern one after another at each character (even shaped as a
    trie, the first level has 1,500 branches): 14 ms for an 11,000-character
    article. The scan below costs one dictionary probe per character and a few
    more where a name may start: 1.7 ms for the same article, with no
    dependency (pyahocorasick would be faster still, but is not needed).
    """
    names = frozenset(name for name in gazetteer.name_senses() if len(name) >= 2) | NOT_PLACES
    lengths: dict[str, set[int]] = defaultdict(set)
    for name in names:
        lengths[name[:2]].add(len(name))
    starts = np.zeros(_PAIR_HASHES, dtype=bool)
    starts[_pair_hash(np.array([ord(start[0]) for start in lengths], dtype=np.int64),
                      np.array([ord(start[1]) for start in lengths], dtype=np.int64))] = True  # fmt: skip
    return _NameIndex(
        names, {start: tuple(sorted(found, reverse=True)) for start, found in lengths.items()}, starts
    )


# Two characters that may begin a name are found by a table of their hashes: a
# few thousand of a million slots are set, so a text's pairs are looked up in one
# step each (a sorted array's binary search took 2.5 times as long), and the few
# pairs that only share a hash with a name's are turned down by the scan itself.
_PAIR_HASHES = 1 << 20


def _pair_hash(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return (first * np.uint32(1031) + second) & np.uint32(_PAIR_HASHES - 1)


# Below this length the scan probes every character itself: the arrays cost more.
_ARRAY_SCAN_CHARS = 64


def _find_names(text: str) -> Iterator[tuple[str, int]]:
    """Each name in ``text`` with its end offset: leftmost, then longest, never overlapping."""
    index = _name_index()
    fast = speedups.SPEEDUPS
    if fast is not None:  # the scan below in C (search/_speedups.c), the same names
        yield from fast.find_names(text, index.names, index.lengths, index.starts)
        return
    if len(text) < _ARRAY_SCAN_CHARS:
        position, stop = 0, len(text) - 1
        while position < stop:
            for length in index.lengths.get(text[position : position + 2], ()):
                candidate = text[position : position + length]
                if candidate in index.names:
                    yield candidate, position + length
                    position += length
                    break
            else:
                position += 1
        return
    # Where a name may start (its first two characters may be some name's), found for
    # the whole text at once: a character where none may start only moves the scan on by
    # one, so skipping to the next possible start finds the same names (a few dozen of an
    # article's hundreds of characters are possible starts; the lengths table turns down
    # the pairs that only share a hash with a name's).
    stop_before = 0  # the end of the last name found: names never overlap
    for position in _possible_starts(text, index.starts):
        if position < stop_before:
            continue
        for length in index.lengths.get(text[position : position + 2], ()):
            candidate = text[position : position + length]
            if candidate in index.names:
                yield candidate, position + length
                stop_before = position + length
                break


def _possible_starts(text: str, starts: np.ndarray) -> list[int]:
    """The offsets in ``text`` whose two characters may begin some name (every
    offset where one does, and a few more), in order."""
    # In uint32, no overflow: a code point times 1031 plus another is below 2**31.
    points = code_points(text)
    return np.flatnonzero(starts[_pair_hash(points[:-1], points[1:])]).tolist()


def _zones(text: str, title: str | None) -> list[tuple[str, str]]:
    """The normalized title, lead and body."""
    body = _normalize(text)
    if title is None:
        body, title = _split_title(body)
    else:
        title = _normalize(title)
    stripped = body.lstrip()
    lead, rest = stripped[:LEAD_CHARS], stripped[LEAD_CHARS:]
    dateline = DATELINE.search(lead)
    if dateline is None:
        return [("title", title), ("lead", lead), ("body", rest)]
    start, end = dateline.span()
    return [
        ("title", title),
        ("dateline", lead[start:end]),
        ("lead", lead[:start] + "\n" + lead[end:]),
        ("body", rest),
    ]


def _normalize(text: str) -> str:
    # Cleaning (pinyin annotations, full-width forms) is the caller's job: the
    # indexer has done it already, and doing it twice would cost more than the scan.
    return to_simplified(text)


def _split_title(text: str) -> tuple[str, str]:
    """(body, title): the first non-empty line, if short, is the title of a scraped file."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if not line.strip() or is_navigation_line(line):
            continue
        if len(line.strip()) <= TITLE_MAX_CHARS:
            return "\n".join(lines[number + 1 :]), line.strip()
        break
    return text, ""


def _scan(text: str, zone: str) -> list[_Mention]:
    found = []
    for name, end in _find_names(text):
        if end < len(text) and text[end] in SUFFIX_WORDS.get(name[-1], ""):
            name = name[:-1]  # "合作市场" is a 合作 market, not 合作市
        if name in NOT_PLACES or len(name) < 2 or STREET_AFTER.match(text, end):
            continue
        found.append(_Mention(name, zone, _factor(text, end - len(name), end)))
    return found


def _factor(text: str, start: int, end: int) -> float:
    if EVENT_AFTER.match(text, end):
        return EVENT_FACTOR
    if text[end : end + 1] == "、" or text[start - 1 : start] == "、":
        return LISTED_FACTOR
    return 1.0


# ---------------------------------------------------------------------------
# Deciding what each name means
# ---------------------------------------------------------------------------


def _strength(name: str, sense: Sense) -> str:
    """``"strong"``, ``"weak"`` or ``"word"``, as the module docstring explains."""
    if sense.word_like:
        return "word"
    if len(name) <= 2 and (sense.region.level == "county" or sense.kind == "former"):
        return "weak"
    return "strong"


def _chain(region: Region) -> tuple[str, ...]:
    """The adcodes of a region and every division above it."""
    return _chain_of(region.adcode)


@functools.cache
def _chain_of(adcode: str) -> tuple[str, ...]:
    region = gazetteer.get(adcode)
    above = gazetteer.ancestors(region) if region else ()
    return (adcode, *(other.adcode for other in above))


@functools.cache
def _meanings(name: str) -> tuple[tuple[Region, str, str, str], ...]:
    """Each sense of ``name`` as (region, strength, parent adcode or "", province adcode,
    "" for a province): what ``_candidates`` asks of it in every round, worked out once
    per name and process (a few thousand names recur across a corpus)."""
    return tuple(
        (
            sense.region,
            _strength(name, sense),
            sense.region.parent_adcode or "",
            "" if sense.region.level == "province" else sense.region.adcode[:2] + "0000",
        )
        for sense in gazetteer.senses(name)
    )


def _candidates(name: str, present: dict[str, int], own: tuple[str, ...] = ()) -> list[Region]:
    """The meanings of ``name`` best confirmed by ``present`` (how many names
    support each adcode) beyond ``own`` (the name's own, counted once in ``present``)."""
    best_tier, best = -1, []
    for region, strength, parent, province in _meanings(name):
        if parent and present.get(parent, 0) > (parent in own):
            tier = 2
        elif province and strength != "word" and present.get(province, 0) > (province in own):
            tier = 1
        elif strength == "strong":
            tier = 0
        else:
            continue
        if tier > best_tier:
            best_tier, best = tier, [region]
        elif tier == best_tier and region not in best:
            best.append(region)
    if len(best) <= 1:
        return best
    # 吉林 is a province and, in it, a city: the broader meaning is the safe one.
    return [region for region in best if not any(other in gazetteer.ancestors(region) for other in best)]


def _resolve(names: set[str]) -> dict[str, tuple[str, ...]]:
    """For each name, the adcodes it supports: its meaning and the divisions above,
    or only what its remaining meanings share."""
    supported: dict[str, tuple[str, ...]] = {name: () for name in names}
    for _ in range(5):  # each round may confirm names for the next; it settles fast
        present: dict[str, int] = {}
        for adcodes in supported.values():
            for adcode in adcodes:
                present[adcode] = present.get(adcode, 0) + 1
        changed = False
        for name in names:
            # A name's chain holds each adcode once: the others confirm what
            # ``present`` counts beyond it (``present - Counter(own)``, without the Counter).
            new = _shared_chain(_candidates(name, present, supported[name]))
            if new != supported[name]:
                supported[name], changed = new, True
        if not changed:
            break
    return supported


def _shared_chain(regions: list[Region]) -> tuple[str, ...]:
    if not regions:
        return ()
    if len(regions) == 1:
        return _chain(regions[0])
    chains = [_chain(region) for region in regions]
    shared = set(chains[0]).intersection(*chains[1:])
    return tuple(adcode for adcode in chains[0] if adcode in shared)


# ---------------------------------------------------------------------------
# Weighing
# ---------------------------------------------------------------------------


def _primary(scores: Counter[str]) -> list[Region]:
    """Province, then city, then county, each the clear leader among its siblings."""
    chosen: list[Region] = []
    parent_code: str | None = None
    parent_score: float | None = None  # for provinces: the sum of all provinces' scores
    while True:
        children = [
            (scores[region.adcode], region)
            for region in (gazetteer.get(adcode) for adcode in scores)
            if region is not None and region.parent_adcode == parent_code and scores[region.adcode] > 0
        ]
        if not children:
            return chosen
        children.sort(key=lambda item: item[0], reverse=True)
        best_score, best = children[0]
        if parent_score is None:
            parent_score = sum(score for score, _ in children)
        if len(children) > 1 and children[1][0] >= best_score:
            return chosen  # a tie: unknown rather than a coin toss
        if best_score < max(MIN_SCORE, SHARES[best.level] * parent_score):
            return chosen
        chosen.append(best)
        parent_code, parent_score = best.adcode, best_score


def _others(chosen: dict[str, tuple[str, ...]], scores: Counter[str], primary: list[Region]) -> list[str]:
    """Regions named in the text outside the primary chain, highest score first."""
    primary_codes = {region.adcode for region in primary}
    found: dict[str, float] = {}
    for adcodes in chosen.values():
        region = gazetteer.get(adcodes[0])
        if region is None or region.adcode in primary_codes:
            continue
        if primary and gazetteer.is_within(primary[-1], region):
            continue
        found[region.name] = max(found.get(region.name, 0.0), scores[region.adcode])
    return sorted(found, key=lambda name: (-found[name], name))


def _basis(mentions: list[_Mention], meanings: dict[str, tuple[str, ...]], primary: list[Region]) -> str:
    """How the primary region was found: its names per zone, with counts."""
    target = {region.adcode for region in primary}
    per_zone: dict[str, Counter[str]] = {zone: Counter() for zone in ZONE_WEIGHTS}
    for mention in mentions:
        adcodes = meanings.get(mention.name, ())
        if adcodes and adcodes[0] in target:
            per_zone[mention.zone][mention.name] += 1
    parts = []
    for zone, counts in per_zone.items():
        if counts:
            described = ", ".join(
                f"{name} ({_level_of(meanings[name][0])}) ×{count}" for name, count in counts.most_common(3)
            )
            parts.append(f"{zone}: {described}")
    return "; ".join(parts) or "implied by: " + "、".join(region.name for region in primary)


def _level_of(adcode: str) -> str:
    region = gazetteer.get(adcode)
    return region.level if region else "?"
