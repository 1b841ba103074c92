"""The ``xunwen`` command: index, search, serve, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT, SEEDS

from search.cli import EXIT_INDEX, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, main


def test_index_then_search_in_both_scripts(tmp_path, capsys):
    index_dir = str(tmp_path / "ix")
    assert main(["index", "--index-dir", index_dir, "--quiet", str(SEEDS)]) == EXIT_OK
    assert (
        "indexed 5, updated 0, unchanged 0, same text as 0, repeated id 0, failed 0, skipped 0"
        in capsys.readouterr().out
    )
    assert main(["search", "--index-dir", index_dir, "新鄉"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("2 results")
    assert "[新鄉]" in out  # marks without a terminal
    assert main(["search", "--index-dir", index_dir, "--json", "新乡"]) == EXIT_OK
    result = json.loads(capsys.readouterr().out)
    assert result["total"] == 2


def test_index_reports_failures_with_exit_status_1(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("标题\n\n正文内容。", encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"\x00\x01\x02" * 100)
    status = main(["index", "--index-dir", str(tmp_path / "ix"), "--quiet", "--json", str(folder)])
    assert status == EXIT_PARTIAL
    summary = json.loads(capsys.readouterr().out)
    assert summary["indexed"] == 1
    assert summary["failed"] == [{"path": str(folder / "bad.txt"), "line": None,
                                  "reason": "binary file (contains NUL bytes), not text"}]  # fmt: skip


def test_search_errors(tmp_path, capsys):
    assert main(["search", "--index-dir", str(tmp_path / "none"), "新乡"]) == EXIT_INDEX
    assert "no xunwen index" in capsys.readouterr().err
    main(["index", "--index-dir", str(tmp_path / "ix"), "--quiet", str(SEEDS)])
    capsys.readouterr()
    assert (
        main(["search", "--index-dir", str(tmp_path / "ix"), "--date-from", "2018-13-01", "新乡"])
        == EXIT_USAGE
    )
    assert "date_from" in capsys.readouterr().err


def test_console_script_runs_as_a_module(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "search.cli", "search", "--index-dir", str(tmp_path / "none"), "x"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == EXIT_INDEX


def test_serve_builds_a_missing_index_and_answers_on_localhost(tmp_path):
    import socket
    import time
    import urllib.request
    from urllib.parse import quote

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    index_dir = tmp_path / "ix"
    server = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve", "--index-dir", str(index_dir), "--port", str(port),
         "--build-from", str(SEEDS)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/api/search?q={quote('新乡')}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    answer = json.load(response)
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "the server did not answer within 60 s"
                time.sleep(0.3)
        assert answer["ok"] and answer["total"] == 2
        listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout
        if listening:  # ss is there: the socket is bound to 127.0.0.1 only
            assert [line.split()[3] for line in listening.splitlines()] == [f"127.0.0.1:{port}"]
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    assert f"serving {index_dir} on http://127.0.0.1:{port}/ (gunicorn, " in stderr
    assert "indexed 5" in stderr


def test_serve_without_an_index_or_build_from_says_so(tmp_path, capsys):
    from web.cli import main

    assert main(["serve", "--index-dir", str(tmp_path / "none")]) == EXIT_INDEX
    assert "no index in" in capsys.readouterr().err


def test_serve_is_the_apps_command_and_the_library_imports_no_web(tmp_path):
    probe = "import sys, search.cli; search.cli.build_parser(); print(sorted(m for m in sys.modules if m.startswith('web')))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"
    library = subprocess.run(
        [sys.executable, "-m", "search.cli", "serve"], capture_output=True, text=True, cwd=ROOT
    )
    assert library.returncode == EXIT_USAGE and "invalid choice: 'serve'" in library.stderr
    app = subprocess.run(
        [sys.executable, "-m", "web.cli", "search", "--index-dir", str(tmp_path / "none"), "x"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert app.returncode == EXIT_INDEX  # index and search run through the full command too
