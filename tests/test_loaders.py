"""Loading files: formats, encodings, and clear errors for what cannot be read."""

from __future__ import annotations

import gzip
import json

import pytest
from conftest import seed_text

from search.loaders import (
    DecodeError,
    LoadError,
    RawRecord,
    decode_bytes,
    html_to_text,
    iter_records,
    path_id,
)

TRADITIONAL = seed_text("000")[:400]
SIMPLIFIED = seed_text("003")[:400]


@pytest.mark.parametrize(
    "data, text",
    [
        (SIMPLIFIED.encode("utf-8"), SIMPLIFIED),
        (b"\xef\xbb\xbf" + SIMPLIFIED.encode("utf-8"), SIMPLIFIED),
        (SIMPLIFIED.encode("gb18030"), SIMPLIFIED),
        (SIMPLIFIED.encode("gbk"), SIMPLIFIED),
        (
            TRADITIONAL.encode("big5", errors="ignore"),
            TRADITIONAL.encode("big5", errors="ignore").decode("big5"),
        ),
        (SIMPLIFIED.encode("utf-16"), SIMPLIFIED),
        (TRADITIONAL.encode("utf-16-be").join([b"\xfe\xff", b""]), TRADITIONAL),
    ],
)
def test_decode_bytes_detects_the_encoding(data, text):
    decoded, _encoding, warning = decode_bytes(data)
    assert decoded == text
    assert warning is None


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty file"),
        (b"  \n ", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary file"),
    ],
)
def test_decode_bytes_refuses_what_is_not_text(data, reason):
    with pytest.raises(DecodeError, match=reason):
        decode_bytes(data)


def test_truncated_utf8_keeps_the_text_and_warns():
    data = "新乡市召开会议".encode()[:-1]
    text, _encoding, warning = decode_bytes(data)
    assert text == "新乡市召开会"
    assert "truncated" in warning


def test_html_to_text_drops_markup_scripts_and_styles():
    markup = (
        "<html><head><title>站点 - 标题</title><style>p{color:red}</style></head>"
        "<body><script>var x = '不要';</script><h1>新乡召开大会</h1><p>第一段&amp;内容。</p>"
        "<p>第二段</p></body></html>"
    )
    text, title = html_to_text(markup)
    assert title == "新乡召开大会"
    assert text == "新乡召开大会\n第一段&内容。\n第二段"


def test_a_folder_of_good_and_bad_files(tmp_path):
    (tmp_path / "gbk.txt").write_bytes("郑州市召开会议\n正文。".encode("gbk"))
    (tmp_path / "big5.txt").write_bytes("臺北市召開會議\n正文。".encode("big5"))
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 4)
    lines = [
        json.dumps({"id": "a", "title": "一", "content": "第一篇"}, ensure_ascii=False),
        "{broken json",
        json.dumps({"id": "c", "title": "三"}, ensure_ascii=False),  # no text
        json.dumps({"id": "d", "text": "第四篇", "extra": 1}, ensure_ascii=False),
    ]
    (tmp_path / "items.jsonl").write_text("\n".join(lines), encoding="utf-8")
    with gzip.open(tmp_path / "more.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"body": "压缩的"}, ensure_ascii=False) + "\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "page.html").write_text("<h1>标题</h1><p>内容</p>", encoding="utf-8")
    (tmp_path / "ignored.csv").write_text("a,b")

    items = list(iter_records([tmp_path]))
    records = {
        item.location.replace(str(tmp_path) + "/", ""): item for item in items if isinstance(item, RawRecord)
    }
    errors = {(e.path.replace(str(tmp_path) + "/", ""), e.line): e.reason for e in items
              if isinstance(e, LoadError) and not e.skipped}  # fmt: skip
    skipped = {
        e.path.replace(str(tmp_path) + "/", ""): e.reason
        for e in items
        if isinstance(e, LoadError) and e.skipped
    }
    assert sorted(records) == [
        "big5.txt",
        "gbk.txt",
        "items.jsonl:1",
        "items.jsonl:4",
        "more.jsonl.gz:1",
        "sub/page.html",
    ]
    assert records["gbk.txt"].text.startswith("郑州市召开会议")
    assert records["big5.txt"].text.startswith("臺北市召開會議")
    assert records["items.jsonl:4"].given == {"id": "d", "extra": 1}
    assert records["sub/page.html"].default_id == "sub/page"
    assert records["sub/page.html"].title_hint == "标题"
    assert set(errors) == {("empty.txt", None), ("binary.txt", None), ("items.jsonl", 2), ("items.jsonl", 3)}
    assert errors[("empty.txt", None)] == "empty file"
    assert errors[("items.jsonl", 2)].startswith("invalid JSON")
    assert "no article text" in errors[("items.jsonl", 3)]
    assert skipped == {"ignored.csv": "unsupported file type (.csv)"}
    assert skipped == {"ignored.csv": "unsupported file type (.csv)"}


def test_missing_path_is_reported():
    [error] = list(iter_records(["/no/such/folder"]))
    assert isinstance(error, LoadError) and error.reason == "no such file or folder"


def test_json_file_with_a_list(tmp_path):
    path = tmp_path / "list.json"
    path.write_text(json.dumps({"articles": [{"content": "甲"}, {"content": "乙"}, 3]}), encoding="utf-8")
    items = list(iter_records([path]))
    assert [item.text for item in items if isinstance(item, RawRecord)] == ["甲", "乙"]
    assert [item.reason for item in items if isinstance(item, LoadError)] == ["not a JSON object"]


@pytest.mark.parametrize(
    "path, root, expected",
    [
        ("seeds/000_a.txt", "seeds", "000_a"),
        ("corpus/2018/a.html", "corpus", "2018/a"),
        ("one.txt", None, "one"),
    ],
)
def test_path_id(path, root, expected):
    from pathlib import Path

    assert path_id(Path(path), Path(root) if root else None) == expected


@pytest.mark.corpus
@pytest.mark.parametrize("encoding", ["big5", "gb18030"])
def test_real_articles_saved_in_big5_or_gb18030_are_all_decoded(corpus, encoding):
    """tw_news articles saved in each encoding: before, 4 of 826 (Big5) and 8 of 1,006
    (GB18030) were refused as "not text" (charset-normalizer's chaos threshold)."""
    refused, total = [], 0
    with gzip.open(corpus / "tw_news.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            article = json.loads(line)
            text = (article.get("title") or "") + "\n\n" + article["content"]
            try:
                data = text.encode(encoding)
            except UnicodeEncodeError:
                continue  # a character the encoding has not got
            total += 1
            try:
                decoded, _encoding, _warning = decode_bytes(data)
            except DecodeError as error:
                refused.append((article["id"], str(error)))
                continue
            if decoded != text:
                refused.append((article["id"], "decoded differently"))
    assert total > 800 and refused == []
