"""The rough edges of issue 15, through the app's test client: the document
page (back link, matches, paragraphs, citation, Chinese basis), the syntax
help, suggestions as you type, error codes and Chinese error pages."""

from __future__ import annotations

import datetime
import gzip
import html as html_lib
import itertools
import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from web.basis import basis_label
from web.messages import error_code, page_text
from web.paragraphs import MIN_TAIL, PARAGRAPH_CHARS, SPLIT_ABOVE, split_paragraphs

ENGLISH_WORD_RE = re.compile(r"[A-Za-z]{3,}")
ALLOWED_ENGLISH = {"TF-IDF", "jieba"}  # names of methods, not words to translate


def english_words(text: str) -> set[str]:
    words = set(ENGLISH_WORD_RE.findall(text))
    return {word for word in words if not any(word in allowed for allowed in ALLOWED_ENGLISH)}


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


# --- the metadata basis in Chinese -------------------------------------------


@pytest.mark.parametrize(
    ("basis", "label"),
    [
        ("given", "随文档提供"),
        ("first line", "首行"),
        ("标题 label", "“标题”行"),
        ("derived from first sentence", "由第一句生成"),
        ("来源 line", "“来源”行"),
        ("來源 line (repaired)", "“來源”行（乱码已修复）"),
        ("来源 line in tail", "文末的“来源”行"),
        ("byline", "署名行"),
        ("dateline", "电头"),
        ("title suffix", "标题后缀"),
        ("footer", "页脚"),
        ("timestamp in head", "正文开头的时间"),
        ("date under title", "标题下的日期"),
        ("timestamp in tail", "文末的时间"),
        ("ROC date code in tail", "文末的民国纪年日期代码"),
        ("labelled line (发布时间)", "“发布时间”行"),
        ("labelled line (日期) in tail", "文末的“日期”行"),
        ("dateline+context year (yearly review)", "电头，年份取自上下文中的年份（年度回顾）"),
        ("dateline+context year (title)", "电头，年份取自上下文中的年份（标题）"),
        ("dateline+context year (lead: 今年)", "电头，年份取自上下文中的年份（导语：今年）"),
        ("lead date+lunar date (正月十六)+zodiac (猪年)+context year",
         "导语开头的日期，年份取自农历日期（正月十六）、生肖（猪年）、上下文中的年份"),
        ("none found (given date 'soon' unreadable)", "未找到（所给日期 'soon' 无法识别）"),
        ("timestamp in head (given date 'x' unreadable)", "正文开头的时间（所给日期 'x' 无法识别）"),
        ("title: 新乡 (city) ×1; body: 新乡 (city) ×9, 牧野区 (county) ×2",
         "标题：新乡（市级）×1；正文：新乡（市级）×9、牧野区（县级）×2"),
        ("implied by: 河南省", "由下级地名推断：河南省"),
        ("given (not resolved: 火星)", "随文档提供（未能识别：火星）"),
        ("keywords: 经济发展 14.2 (投资, 项目); 民生 3.0 (就业)", "关键词：经济发展 14.2（投资、项目）；民生 3.0（就业）"),
        ("TF-IDF (jieba IDF table)", "TF-IDF 关键词（jieba 词频表）"),
        ("", ""),
        (None, ""),
    ],
)  # fmt: skip
def test_basis_labels(basis, label):
    assert basis_label(basis) == label


def _basis_values(metas):
    for meta in metas:
        yield from meta["basis"].values()


def test_every_basis_of_the_test_index_speaks_chinese(web_index_dir):
    from search import open_index

    index = open_index(web_index_dir)
    searcher = index._searcher()
    values = set(_basis_values(fields["meta"] for fields in searcher.all_stored_fields()))
    assert len(values) >= 8
    assert {
        value: english_words(basis_label(value)) for value in values if english_words(basis_label(value))
    } == {}


@pytest.mark.corpus
def test_every_basis_extracted_from_the_corpus_speaks_chinese(corpus):
    """Every basis the extractors give on the first 150 articles of each corpus file (text only, nothing given)."""
    from search.extract.metadata import extract_metadata
    from search.normalize import clean_characters

    values = set()
    for path in sorted(corpus.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in itertools.islice(lines, 150):
                record = json.loads(line)
                text = clean_characters(f"{record.get('title') or ''}\n{record.get('content') or ''}")
                values.update(extract_metadata(text).get("basis", {}).values())
    assert len(values) >= 30
    untranslated = {value: basis_label(value) for value in values if english_words(basis_label(value))}
    assert untranslated == {}


# --- display paragraphs ------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("第一段。\n\n第二段。", ["第一段。", "第二段。"]),  # lines as written, blank ones dropped
        ("短句。" * 80, None),  # 240 characters: a paragraph as written
        ("句" * 160 + "。" + "后" * 100 + "。", ["句" * 160 + "。", "后" * 100 + "。"]),
        ("句" * 160 + "。”" + "后" * 100 + "。", ["句" * 160 + "。”", "后" * 100 + "。"]),  # the quote stays
        ("句" * 160 + "。" + "后" * 100, ["句" * 160 + "。", "后" * 100]),
        ("句" * 250 + "。" + "尾" * 20 + "。", None),  # too short a tail: no cut
        ("句" * 300 + "，" + "后" * 100, None),  # a comma is no cut ...
        (
            "句" * 460 + "，" + "后" * 100,
            ["句" * 460 + "，", "后" * 100],
        ),  # ... after 450 without a sentence end
        # a mark is never cut; a sentence end right before one is cut before it
        ("句" * 160 + "<mark>新乡。</mark>" + "后" * 100, ["句" * 160 + "<mark>新乡。</mark>", "后" * 100]),
        (
            "句" * 160 + "。<mark>新乡</mark>" + "后" * 100,
            ["句" * 160 + "。", "<mark>新乡</mark>" + "后" * 100],
        ),
        ("句" * 150 + "&lt;" * 10 + "。" + "后" * 100, ["句" * 150 + "&lt;" * 10 + "。", "后" * 100]),
    ],
)
def test_split_paragraphs(html, expected):
    assert split_paragraphs(html) == (expected if expected is not None else [html])


@pytest.mark.corpus
def test_one_line_articles_become_readable_paragraphs(corpus):
    """xwlb items stored as one long line, split: nothing lost, paragraphs of news length."""
    from web.display import marked_html

    lengths, lines = [], 0
    with gzip.open(corpus / "xwlb.jsonl.gz", "rt", encoding="utf-8") as records:
        for line in itertools.islice(records, 20000):
            for text in json.loads(line)["content"].split("\n"):
                if len(text) > SPLIT_ABOVE:
                    html = str(marked_html(text, []))
                    paragraphs = split_paragraphs(html)
                    assert "".join(paragraphs) == html
                    lengths += [len(html_lib.unescape(paragraph)) for paragraph in paragraphs]
                    lines += 1
    assert lines > 300
    assert len(lengths) >= 2 * lines
    lengths.sort()
    median = lengths[len(lengths) // 2]
    assert PARAGRAPH_CHARS <= median <= 2 * PARAGRAPH_CHARS
    assert lengths[0] >= MIN_TAIL - 1 and lengths[-1] <= 4 * PARAGRAPH_CHARS


# --- the document page -------------------------------------------------------


def test_back_link_keeps_query_filters_sort_and_page(client):
    search = "/search?q=新乡&province=河南省&topic=经济发展&sort=newest&per_page=1&page=2&script=traditional"
    html = page(client, search)
    document = re.findall(r'<h2 class="hit-title"><a href="([^"]*)"', html)
    assert len(document) == 1
    document_url = html_lib.unescape(document[0])
    doc_html = page(client, document_url)
    back = html_lib.unescape(re.search(r'<p class="back"><a href="([^"]*)"', doc_html).group(1))
    assert urlsplit(back).path == "/search"
    assert sorted(parse_qsl(urlsplit(back).query)) == sorted(parse_qsl(urlsplit(search).query))
    # the script switch and similar articles keep the search too
    for url in [
        html_lib.unescape(url) for url in re.findall(r'<nav class="switch"[^>]*>.*?</nav>', doc_html, re.S)
    ]:
        for link in re.findall(r'href="([^"]*)"', url):
            assert ("province", "河南省") in parse_qsl(urlsplit(link).query)


@pytest.mark.parametrize(
    "url",
    [
        "/doc/000_aafb63f222c135ea?page=0",
        "/doc/000_aafb63f222c135ea?sort=evil",
        "/doc/000_aafb63f222c135ea?year=20x8",
    ],
)
def test_document_page_checks_the_search_it_carries(client, url):
    html = page(client, url, 400)
    assert "Traceback" not in html


@pytest.mark.parametrize(
    ("back_args", "expected"),
    [
        ("next=https://evil.example/", "/search"),
        ("q=新乡&from=//evil.example", "/search?q=%E6%96%B0%E4%B9%A1"),
    ],
)
def test_back_link_is_never_an_open_redirect(client, back_args, expected):
    html = page(client, f"/doc/000_aafb63f222c135ea?{back_args}")
    back = html_lib.unescape(re.search(r'<p class="back"><a href="([^"]*)"', html).group(1))
    assert back == expected


def test_matches_are_counted_like_a_scan_of_the_text(client, web_index_dir):
    from search import open_index
    from search.normalize import normalize_for_search

    html = page(client, "/doc/000_aafb63f222c135ea?q=新乡")
    shown = int(re.search(r'data-total="(\d+)"', html).group(1))
    body = open_index(web_index_dir).document("000_aafb63f222c135ea")["body"]
    assert shown == normalize_for_search(body).count("新乡") > 10
    assert f"共 {shown} 处匹配" in html


@pytest.mark.parametrize(
    ("html", "count"),
    [("", 0), ("a<mark>x</mark>b<mark>y</mark>", 2), ("<mark>新乡</mark><mark>市</mark>", 1)],
)
def test_match_count(html, count):
    from web.view import match_count

    assert match_count(html) == count


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"title": "北京冬奥会筹备进展", "source": "人民日报", "published": "2021-01-15", "url": "https://x.cn/1"},
         "人民日报：《北京冬奥会筹备进展》，2021-01-15，https://x.cn/1（检索于 2026-12-01）"),
        ({"title": "无来源", "source": None, "published": None, "url": None}, "《无来源》（检索于 2026-12-01）"),
    ],
)  # fmt: skip
def test_citation(document, expected):
    from web.view import citation

    assert citation(document, datetime.date(2026, 12, 1)) == expected


@pytest.mark.parametrize("doc_id", ["zz-1", "bj-1", "gd-1", "tw-1", "000_aafb63f222c135ea", "xss-1"])
def test_document_page_has_no_empty_values(client, doc_id):
    html = page(client, f"/doc/{doc_id}")
    text = re.sub(r"<[^>]+>", " ", html)
    assert not re.search(r"\b(None|null|undefined)\b", text)
    assert "<td>—</td>" not in html and "<td></td>" not in html
    assert "复制引用" in html and "检索于" in html
    rows = re.findall(
        r'<tr><th scope="row">(.*?)</th><td>(.*?)</td><td class="basis">(.*?)</td></tr>', html, re.S
    )
    assert {label for label, _, _ in rows} >= {"日期", "来源"}
    assert all(not english_words(basis) for _, _, basis in rows)


def test_metadata_field_names_do_not_break_mid_word(client):
    css = page(client, "/static/style.css")
    rule = re.search(r"\.metadata tbody th \{([^}]*)\}", css).group(1)
    assert "white-space: nowrap" in rule and "word-break: keep-all" in rule


# --- the syntax help ---------------------------------------------------------


def test_help_page_and_its_link(client):
    html = page(client, "/")
    assert 'href="/help"' in html
    help_html = page(client, "/help")
    for example in ('"高质量发展"', "OR", "-疫情", "title:", "source:", "NEAR/10", "atleast3:疫情"):
        assert example in html_lib.unescape(help_html), example
    # The proximity and frequency operators exist now: no row is marked as coming.
    assert not re.findall(r'<tr class="coming">(.*?)</tr>', help_html, re.S)
    assert "~10" in html_lib.unescape(help_html)


# --- suggestions -------------------------------------------------------------


def suggest(client, prefix: str, status: int = 200, **args):
    response = client.get("/api/suggest", query_string={"q": prefix, **args})
    assert response.status_code == status
    return response.get_json()


def test_suggestions_agree_with_a_scan_of_the_stored_text(client, web_index_dir):
    """Every suggested word starts with the prefix; its count is at most the
    documents whose text holds it (a scan), and a place's count is exactly the
    documents filed under it."""
    from search import open_index
    from search.normalize import normalize_for_search

    searcher = open_index(web_index_dir)._searcher()
    stored = list(searcher.all_stored_fields())
    texts = [
        normalize_for_search((fields.get("title") or "") + "\n" + (fields.get("body") or ""))
        for fields in stored
    ]
    checked = 0
    for prefix in ("新", "新鄉", "河", "北", "中"):
        result = suggest(client, prefix)
        assert result["ok"] is True and result["suggestions"], prefix
        counts = [item["count"] for item in result["suggestions"]]
        assert counts == sorted(counts, reverse=True)
        for item in result["suggestions"]:
            assert item["text"].startswith(normalize_for_search(prefix))
            holding = sum(item["text"] in text for text in texts)
            if item["kind"] == "place":
                filed = sum(item["text"] in (fields.get(item["level"]),) for fields in stored)
                assert item["count"] == filed, item
            else:
                assert 0 < item["count"] <= holding, item
            checked += 1
    assert checked >= 15


def test_suggestions_hold_places_with_counts(client):
    places = [item for item in suggest(client, "河南")["suggestions"] if item["kind"] == "place"]
    assert places and places[0]["text"] == "河南省" and places[0]["count"] >= 5


@pytest.mark.parametrize(
    ("args", "status", "code"),
    [
        ({"q": "新" * 21}, 400, "query_too_long"),
        ({"q": "新", "limit": "0"}, 400, "bad_parameter"),
        ({"q": "新", "limit": "x"}, 400, "bad_parameter"),
    ],
)
def test_suggest_bad_parameters(client, args, status, code):
    response = client.get("/api/suggest", query_string=args)
    assert response.status_code == status and response.get_json()["code"] == code


def test_suggest_empty_and_unknown_prefixes(client):
    assert suggest(client, "")["suggestions"] == []
    assert suggest(client, "   ")["suggestions"] == []
    assert suggest(client, "zzzqqq")["suggestions"] == []
    assert len(suggest(client, "新", limit="3")["suggestions"]) == 3


# --- errors: a stable code in the API, Chinese on the pages -----------------


@pytest.mark.parametrize(
    ("url", "status", "code", "chinese"),
    [
        ("/search?page=0", 400, "bad_parameter", "页码须在 1 到 1000 之间。"),
        ("/search?per_page=500", 400, "bad_parameter", "每页篇数须在 1 到 100 之间。"),
        ("/search?page=abc", 400, "bad_parameter", "页码须是正整数。"),
        ("/search?sort=best", 400, "bad_parameter", "排序只能是：相关度（relevance）、最新（newest）、最早（oldest）。"),
        ("/search?script=pinyin", 400, "bad_parameter", "字体只能是：原文（original）、简体（simplified）、繁體（traditional）。"),
        ("/search?date_from=2020-13-01", 400, "bad_parameter", None),
        ("/search?date_from=2021-01-01&date_to=2020-01-01", 400, "bad_parameter", "起始日期晚于截止日期。"),
        ("/search?year=20", 400, "bad_parameter", "年份须是四位数字（如 2020），或 none（未知）。"),
        ("/search?month=2020-13", 400, "bad_parameter", "月份须写成 年-月（如 2020-05），或 none（未知）。"),
        ("/search?q=" + "新" * 201, 400, "query_too_long", "搜索词太长：最多 200 个字符。"),
        ("/doc/no-such-document", 404, "not_found", None),
        ("/no/such/page", 404, "not_found", "这个地址没有内容。"),
    ],
)  # fmt: skip
def test_errors_have_a_code_and_a_chinese_page(client, url, status, code, chinese):
    api_url = "/api" + url if not url.startswith("/no/") else "/api/nothing"
    if url.startswith("/doc/"):
        api_url = "/api" + url
    response = client.get(api_url)
    assert response.status_code == status and response.get_json()["code"] == code
    html = page(client, url, status)
    message = html_lib.unescape(re.search(r'<p class="error-message">(.*?)</p>', html, re.S).group(1))
    if chinese:
        assert message == chinese
    else:
        assert re.search(r"[\u4e00-\u9fff]", message), message


@pytest.mark.parametrize(
    ("status", "message", "code", "text"),
    [
        (503, "the index has not been built yet", "index_unavailable", "索引尚未建立：请先运行 xunwen index 建立索引。"),
        (503, "the index is damaged and must be rebuilt", "index_unavailable", "索引已损坏，需要重新建立（xunwen index --rebuild）。"),
        (500, "internal error", "internal_error", "服务器内部出错，请稍后再试。"),
        (405, "The method is not allowed for the requested URL.", "method_not_allowed", "这个地址不接受这种请求。"),
        (404, "没有这篇文档：x", "not_found", "没有这篇文档：x"),
        (400, "something new", "bad_parameter", "请求的参数有误。"),
    ],
)  # fmt: skip
def test_error_messages(status, message, code, text):
    assert error_code(status, message) == code
    assert page_text(status, message) == text


def test_missing_index_page_speaks_chinese(tmp_path):
    from web import create_app

    client = create_app({"INDEX_DIR": str(tmp_path / "none"), "TESTING": True}).test_client()
    html = page(client, "/search?q=新乡", 503)
    assert "索引尚未建立：请先运行 xunwen index 建立索引。" in html


# --- sources: one outlet under its names; titles without the site's name ----


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("中央电视台", "中央电视台"),
        ("央视新闻", "中央电视台"),  # the broadcaster's news centre
        ("CCTV-4中文国际频道", "中央电视台"),  # was cut to "4中文国际频道" at the dash
        ("CCTV-13新闻频道", "中央电视台"),
        ("CCTV13", "中央电视台"),
        ("央视《新闻联播》(CCTV)", "中央电视台"),
        ("央视网", "央视网"),  # the website is an outlet of its own
        ("央视网新闻", "央视网"),
        ("CNTV", "央视网"),
        ("中国网络电视台", "央视网"),
        ("中央通訊社", "中央社"),
        ("中央通訊社 CNA", "中央社"),
        ("中央社記者", "中央社"),
        ("來源:城市晚報(長春)", "城市晚报"),
        ("人民网-人民日报", "人民日报"),
        ("本报记者", None),
        ("记者", None),
    ],
)
def test_canonical_sources(name, canonical):
    from search.extract.source import canonical_source

    assert canonical_source(name) == canonical


SETN_TITLE = "周杰倫突爆粗口！曝專輯卡關內幕：會把人逼瘋 真實心聲全說了 | 娛樂星聞 | 三立新聞網 SETN.COM"


@pytest.mark.parametrize(
    ("given_title", "title", "basis"),
    [
        (SETN_TITLE, "周杰倫突爆粗口！曝專輯卡關內幕：會把人逼瘋 真實心聲全說了", "given, site name removed"),
        ("泰破獲野生動物走私 62隻瀕危長尾獼猴被塞塑膠袋│TVBS新聞網", "泰破獲野生動物走私 62隻瀕危長尾獼猴被塞塑膠袋",
         "given, site name removed"),
        # A title that is not a site suffix keeps its bar (folded to ASCII like all given text, issue 12).
        ("本周新錶｜無指針也能準確讀時 瑞寶實現純機械數位化", "本周新錶|無指針也能準確讀時 瑞寶實現純機械數位化", "given"),
        ("北京冬奥会筹备进展", "北京冬奥会筹备进展", "given"),
    ],
)  # fmt: skip
def test_given_titles_lose_the_site_name(given_title, title, basis):
    from search.extract.metadata import extract_metadata

    meta = extract_metadata("今天天氣很好。", {"title": given_title, "source": "三立新聞網"})
    assert (meta["title"], meta["basis"]["title"]) == (title, basis)
    from search.normalize import clean_characters

    assert meta.get("title_original") == (given_title if title != clean_characters(given_title) else None)


def test_the_original_title_is_kept_and_shown(tmp_path):
    from search import open_index
    from search.indexer import index_paths
    from web import create_app

    articles = tmp_path / "setn.jsonl"
    article = {
        "id": "setn-1",
        "title": SETN_TITLE,
        "source": "三立新聞網",
        "content": "周杰倫今天發表新專輯。",
    }
    articles.write_text(json.dumps(article, ensure_ascii=False) + "\n", encoding="utf-8")
    index_paths([articles], tmp_path / "index", procs=1)
    document = open_index(tmp_path / "index").document("setn-1")
    assert document["title"] == "周杰倫突爆粗口！曝專輯卡關內幕：會把人逼瘋 真實心聲全說了"
    assert document["extra"]["title_original"] == SETN_TITLE
    client = create_app({"INDEX_DIR": str(tmp_path / "index"), "TESTING": True}).test_client()
    html = page(client, "/doc/setn-1")
    assert f'<tr><th scope="row">原标题</th><td>{html_lib.escape(SETN_TITLE, quote=False)}</td>' in html


@pytest.mark.parametrize("prefix", ["新", "新乡", "河", "发展", "中国", "北京", "zz"])
def test_suggest_word_table_agrees_with_the_lexicon_scan(web_index_dir, prefix):
    """The table a server builds once gives what the scan of Whoosh's lexicon gives."""
    from search import open_index, suggest

    index = open_index(web_index_dir)
    reader = index._searcher().reader()
    table = suggest.word_table(reader, index._ix.reader, wait=True)
    assert table is not None and len(table.words) > 1000
    with_table = suggest.suggest(reader, prefix, 8, open_reader=index._ix.reader)
    built, suggest._tables = suggest._tables, {}
    try:
        scanned = suggest.suggest(reader, prefix, 8)
    finally:
        suggest._tables = built
    assert with_table == scanned


# --- the CLI -----------------------------------------------------------------


def test_cli_hits_show_their_url(web_index_dir, capsys):
    from search.cli import main

    assert main(["search", "广州", "--index-dir", str(web_index_dir)]) == 0
    out = capsys.readouterr().out
    assert "\n   https://example.com/gd-1\n" in out + "\n"


@pytest.fixture(scope="module")
def many_index(tmp_path_factory):
    """300 synthetic articles: a search prints more than a pipe holds (64 KB)."""
    from conftest import synthetic_articles

    from search.indexer import index_paths

    folder = tmp_path_factory.mktemp("many")
    index_paths([synthetic_articles(folder / "many.jsonl", 300)], folder / "index", procs=1)
    return folder / "index"


@pytest.mark.parametrize("args", [["--json"], []])
def test_cli_output_into_a_closed_pipe_exits_quietly(many_index, args):
    """``xunwen search … | head -2`` once head has gone: here the reading end is
    closed before the search prints anything, so every write meets a closed pipe."""
    import os
    import subprocess
    import sys

    command = [sys.executable, "-m", "search.cli", "search", "样本文章", "--per-page", "100",
               "--index-dir", str(many_index), *args]  # fmt: skip
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        search = subprocess.run(
            command, stdout=write_end, stderr=subprocess.PIPE, env=os.environ, timeout=300
        )
    finally:
        os.close(write_end)
    assert search.stderr.decode("utf-8") == ""  # no BrokenPipeError traceback
    assert search.returncode == 0


def test_input_sizes_count_bytes_and_read_gzip_trailers(tmp_path):
    from search.cli import input_sizes

    plain = tmp_path / "a.jsonl"
    plain.write_text('{"content": "新乡"}\n' * 100, encoding="utf-8")
    packed = tmp_path / "b.jsonl.gz"
    with gzip.open(packed, "wt", encoding="utf-8") as out:
        out.write('{"content": "郑州"}\n' * 1000)
    (tmp_path / "notes.bin").write_bytes(b"x")  # not indexed: not counted
    sizes = input_sizes([str(tmp_path)])
    assert sizes == {
        str(plain): (plain.stat().st_size, plain.stat().st_size),
        str(packed): (packed.stat().st_size, len(('{"content": "郑州"}\n' * 1000).encode("utf-8"))),
    }


def test_progress_bar_has_a_total_a_percentage_and_the_current_file(tmp_path, capsys):
    from conftest import SEEDS, synthetic_articles

    from search.cli import _progress_bar
    from search.indexer import index_paths

    files = [
        synthetic_articles(tmp_path / f"part{number}.jsonl", 40, first=40 * number) for number in range(3)
    ]
    paths = [str(SEEDS), *map(str, files)]
    bar = _progress_bar(paths)
    total = sum(path.stat().st_size for path in [*SEEDS.glob("*.txt"), *files])
    assert bar.bar.total == total
    states = []

    def progress(summary):
        bar(summary)
        states.append((bar.bar.n, Path(bar.current).name))

    index_paths(paths, tmp_path / "index", procs=1, progress=progress)
    bar.close()
    positions = [position for position, _ in states]
    assert positions == sorted(positions) and positions[-1] < total
    assert bar.bar.n == total
    assert [name for name in dict.fromkeys(name for _, name in states)] == [
        *sorted(path.name for path in SEEDS.glob("*.txt")),
        "part0.jsonl",
        "part1.jsonl",
        "part2.jsonl",
    ]
    # half-way through the input is about half-way through the bar
    middle = next(position for position, name in states if name == "part1.jsonl")
    assert 0.3 * total < middle < 0.7 * total
    err = capsys.readouterr().err
    assert "100%" in err and "part2.jsonl" in err and "docs" in err


# --- set-up ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chromium", "font", "wanted"),
    [
        (True, True, None),
        (True, False, "fonts-noto-cjk"),  # Chromium present, fonts not: the fonts alone
        (False, False, "chromium chromium-driver fonts-noto-cjk"),
        (False, True, "chromium chromium-driver"),
    ],
)
def test_run_py_test_installs_cjk_fonts_with_chromium(tmp_path, monkeypatch, capsys, chromium, font, wanted):
    import importlib.util

    spec = importlib.util.spec_from_file_location("run", Path(__file__).resolve().parents[1] / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    present = tmp_path / "present"
    present.write_text("")
    missing = tmp_path / "missing"
    monkeypatch.setattr(run, "CHROMIUM", present if chromium else missing)
    monkeypatch.setattr(run, "CHROMEDRIVER", present if chromium else missing)
    monkeypatch.setattr(run, "CJK_FONT", present if font else missing)
    commands = []
    monkeypatch.setattr(run, "sh", lambda *command, **kwargs: commands.append(command))
    monkeypatch.setattr(run.shutil, "which", lambda name: "/usr/bin/apt-get")
    monkeypatch.setattr(run.os, "geteuid", lambda: 0)
    run.ensure_chromium()
    installs = [" ".join(command[4:]) for command in commands if command[1] == "install"]
    assert installs == ([wanted] if wanted else [])


def test_setup_cfg_declares_the_data_folders_as_packages():
    """``pip install -e .`` warned "Package would be ignored" for each data folder
    that package_data named from its parent (about 100 lines)."""
    import configparser

    config = configparser.ConfigParser()
    config.read(Path(__file__).resolve().parents[1] / "setup.cfg")
    assert config["options"]["packages"] == "find_namespace:"
    data = config["options.package_data"]
    assert {name for name in data} == {"search.data", "web.templates", "web.static"}
    root = Path(__file__).resolve().parents[1]
    for package, patterns in data.items():
        folder = root / package.replace(".", "/")
        files = {path.name for path in folder.iterdir() if path.is_file()}
        covered = {
            name for pattern in patterns.split(",") for name in files if Path(name).match(pattern.strip())
        }
        assert covered == files, package
