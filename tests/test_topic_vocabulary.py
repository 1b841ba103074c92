"""One topic vocabulary: given categories become the taxonomy's topics or none,
and the basis says how (``given (地震 → 公共安全)``)."""

from __future__ import annotations

import gzip
import json
from collections import Counter

import pytest

from search.extract.metadata import extract_metadata
from search.extract.topics import canonical_topic, load_table

LABELS = frozenset(load_table().labels.values())
BODY = "会议指出，要做好各项工作。"


@pytest.mark.parametrize(
    "category, topic",
    [
        ("地震", "公共安全"),
        ("火灾", "公共安全"),
        ("交通事故", "公共安全"),
        ("恐怖袭击", "公共安全"),
        ("食物中毒", "公共安全"),
        ("新冠疫情", "疫情防控"),
        ("环境污染", "生态环境"),
        ("C34-Economy", "经济发展"),
        ("C39-Sports", "体育"),
        ("C31-Enviornment", "生态环境"),  # the corpus's own spelling
        ("娛樂", "文化旅游"),
        ("政治", "时政"),
        ("地方", None),
        ("台語新聞", None),
        ("未分類", None),
    ],
)
def test_categories_map_onto_the_taxonomy(category, topic):
    assert canonical_topic(category) == topic


@pytest.mark.parametrize(
    "given, topics, basis",
    [
        ({"category": "地震"}, ["公共安全"], "given (地震 → 公共安全)"),
        ({"category": "公共安全"}, ["公共安全"], "given"),
        ({"topic": ["新冠疫情", "美食"]}, ["疫情防控"], "given (新冠疫情 → 疫情防控; 美食: not a topic)"),
        ({"category": "美食"}, [], "given category 美食: not a topic"),
        ({"category": "未分類"}, [], None),
    ],
)
def test_the_basis_says_how_a_category_became_a_topic(given, topics, basis):
    meta = extract_metadata(BODY, given)
    assert (meta["topics"], meta["basis"].get("topics")) == (topics, basis)


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["tw_news", "cec", "fudan"])
def test_every_given_category_of_the_corpus_is_a_topic_or_none(corpus, name):
    categories: Counter[str] = Counter()
    with gzip.open(corpus / f"{name}.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            categories[json.loads(line).get("category") or ""] += 1
    mapped = {category: canonical_topic(category) for category in categories if category}
    assert set(mapped.values()) - {None} <= LABELS
    if name in ("cec", "fudan"):  # every category of these two names a topic
        assert [category for category, topic in mapped.items() if topic is None] == []


def test_an_index_facets_only_the_vocabulary(tmp_path):
    from search import open_index
    from search.indexer import index_paths

    articles = [
        {"id": "e1", "title": "某地发生地震", "category": "地震", "content": "某地发生地震，救援人员赶到。"},
        {
            "id": "e2",
            "title": "疫情通报",
            "category": "新冠疫情",
            "content": "新增病例，疫情防控措施继续执行。",
        },
        {"id": "e3", "title": "美食节开幕", "category": "美食", "content": "美食节今天开幕，游客品尝小吃。"},
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    index_paths([path], tmp_path / "index", procs=1)
    facets = open_index(tmp_path / "index").search("")["facets"]["topic"]
    values = {item["value"] for item in facets} - {"none"}
    assert values <= LABELS and {"公共安全", "疫情防控"} <= values and "美食" not in values
    document = open_index(tmp_path / "index").document("e1")
    assert document["topics"] == ["公共安全"] and document["basis"]["topics"] == "given (地震 → 公共安全)"
