"""``xunwen trends``, ``export`` and ``kwic`` on a real index, against the API's own figures."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

from conftest import ROOT


def xunwen(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "search.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_trends_command_prints_the_same_numbers_as_the_api(web_index_dir, client):
    done = xunwen("trends", "新乡", "北京", "--interval", "year", "--csv", "--index-dir", str(web_index_dir))
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))
    api = client.get(
        "/api/trends", query_string=[("q", "新乡"), ("q", "北京"), ("interval", "year")]
    ).get_json()
    assert rows[0] == ["bucket", "all", "新乡", "北京"]
    assert [row[0] for row in rows[1:-1]] == [bucket["key"] for bucket in api["collection"]]
    for column, series in enumerate(api["series"], start=2):
        assert [int(row[column]) for row in rows[1:-1]] == [b["count"] for b in series["buckets"]]
        assert int(rows[-1][column]) == series["undated"]


def test_export_command_writes_every_match(web_index_dir, client, tmp_path):
    out = tmp_path / "out.jsonl"
    done = xunwen("export", "新乡", "--format", "jsonl", "-o", str(out), "--index-dir", str(web_index_dir))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    total = client.get("/api/search", query_string={"q": "新乡"}).get_json()["total"]
    assert len(rows) == total and f"exported {total} documents" in done.stderr


def test_kwic_command_and_a_bad_width(web_index_dir):
    done = xunwen("kwic", "新乡", "--width", "5", "--index-dir", str(web_index_dir))
    assert done.returncode == 0, done.stderr
    assert "[新乡]" in done.stdout
    bad = xunwen("kwic", "新乡", "--width", "0", "--index-dir", str(web_index_dir))
    assert bad.returncode == 2 and "width" in bad.stderr and "Traceback" not in bad.stderr
