"""Bad lines in examples.jsonl are reported with file:line and kept byte for byte."""

import json
import os

import pytest

from workbench.examples import ExampleFile, make_example
from workbench.fileio import atomic_write_bytes
from workbench.report import validate_path

GOOD = json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
                   "meta": {"id": "ok_1", "status": "accepted"}}).encode()
BAD_LINES = [
    (b"this is not json", "not JSON"),
    (b'{"messages": [', "not JSON"),
    (b"[1, 2, 3]", "not a JSON object"),
    (b'"a string"', "not a JSON object"),
    (b"", "blank line"),
    (b"   \t", "blank line"),
    (b'{"messages": "caf\xe9"}', "not UTF-8"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
]


@pytest.fixture
def corpus(tmp_path):
    lines = [GOOD]
    for i, (raw, _) in enumerate(BAD_LINES):
        lines += [raw, GOOD.replace(b"ok_1", f"ok_{i + 2}".encode())]
    path = tmp_path / "examples.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_bad_lines_are_reported_with_file_and_line(corpus):
    ef = ExampleFile.load(corpus)
    problems = ef.line_problems()
    assert [p.line for p in problems] == [2 + 2 * i for i in range(len(BAD_LINES))]
    for p, (_, reason) in zip(problems, BAD_LINES):
        assert reason in p.reason
        assert str(p).startswith(f"{corpus}:{p.line}: ")
    assert len(ef.examples) == len(BAD_LINES) + 1


def test_save_keeps_bad_lines_verbatim(corpus):
    before = corpus.read_bytes()
    ef = ExampleFile.load(corpus)
    ef.examples[0].set_status("rejected")
    ef.append(make_example([{"role": "user", "content": "new"}, {"role": "assistant", "content": "x"}], None))
    ef.save()
    after = corpus.read_bytes().split(b"\n")
    for i, (raw, _) in enumerate(BAD_LINES):
        assert after[1 + 2 * i] == raw  # same bytes, same place
    assert json.loads(after[0])["meta"]["status"] == "rejected"
    assert json.loads(after[-2])["messages"][0]["content"] == "new"
    # Nothing changed: a load + save round trip is byte-identical.
    corpus.write_bytes(before)
    ExampleFile.load(corpus).save()
    assert corpus.read_bytes() == before


def test_crlf_lines_parse_and_bad_crlf_lines_stay_intact(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_bytes(GOOD + b"\r\nbroken\r\n")
    ef = ExampleFile.load(path)
    assert len(ef.examples) == 1 and ef.raw_lines()[0].raw == b"broken\r"
    ef.save()
    assert path.read_bytes().endswith(b"\nbroken\r\n")


def test_validate_reports_unparseable_lines(corpus):
    report = validate_path(corpus)
    unparseable = [f for f in report.findings if f.problem.code == "unparseable_line"]
    assert [f.line for f in unparseable] == [2 + 2 * i for i in range(len(BAD_LINES))]


def test_ids_are_made_for_examples_without_meta_and_are_stable(tmp_path):
    path = tmp_path / "e.jsonl"
    line = json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x"}]})
    path.write_text(line + "\n" + line + "\n")
    ids = [e.id for e in ExampleFile.load(path).examples]
    assert ids[0] != ids[1] and ids == [e.id for e in ExampleFile.load(path).examples]


def test_100k_lines_load(tmp_path):
    path = tmp_path / "big.jsonl"
    lines = [GOOD.replace(b"ok_1", f"id_{i}".encode()) if i % 1000 else b"{broken" for i in range(100_000)]
    path.write_bytes(b"\n".join(lines) + b"\n")
    ef = ExampleFile.load(path)
    assert len(ef.entries) == 100_000 and len(ef.raw_lines()) == 100


def test_atomic_write_leaves_old_file_when_interrupted(tmp_path, monkeypatch):
    path = tmp_path / "examples.jsonl"
    path.write_bytes(b"original\n")

    def crash(*_):
        raise OSError("disk pulled out")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        atomic_write_bytes(path, b"new contents\n")
    monkeypatch.undo()
    assert path.read_bytes() == b"original\n"
    assert [p.name for p in tmp_path.iterdir()] == ["examples.jsonl"]  # no temp file left behind


def test_atomic_write_gives_a_new_file_the_usual_mode_and_keeps_an_old_ones(tmp_path):
    """A new file reads as open() would make it (not mkstemp's owner-only 0600); a chmod the user made stays."""
    umask = os.umask(0)
    os.umask(umask)
    new = tmp_path / "tools.json"
    atomic_write_bytes(new, b"[]")
    assert new.stat().st_mode & 0o777 == 0o666 & ~umask
    new.chmod(0o640)
    atomic_write_bytes(new, b"[1]")
    assert new.stat().st_mode & 0o777 == 0o640 and new.read_bytes() == b"[1]"


def test_atomic_write_survives_sigkill_mid_save(tmp_path):
    """A writer killed at random moments never leaves a torn file: each read sees a whole version."""
    import signal
    import subprocess
    import sys
    import time

    path = tmp_path / "examples.jsonl"
    path.write_bytes(b"v0\n" * 50_000)
    script = (
        "import sys; from workbench.fileio import atomic_write_bytes\n"
        "i = 0\n"
        "while True:\n"
        "    i += 1; atomic_write_bytes(sys.argv[1], (f'v{i}\\n' * 50_000).encode())\n"
    )
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-c", script, str(path)])
        time.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        lines = path.read_bytes().split(b"\n")[:-1]
        assert len(lines) == 50_000 and len(set(lines)) == 1


def test_shared_tool_parsing_gives_the_same_examples():
    """The fast path (a tool list parsed once per file) never changes what a line means."""
    import orjson

    from workbench.examples import SharedTools

    tools = [{"type": "function", "function": {"name": "t", "parameters": {"type": "object"}}}]
    msgs = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x"}]
    blob = orjson.dumps(tools).decode()
    lines = [
        json.dumps({"messages": msgs, "tools": tools}),                       # learns the blob
        json.dumps({"messages": msgs, "tools": tools}),                       # fast path
        '{"messages": ' + json.dumps(msgs) + ', "tools":' + blob + "}",        # other spacing
        json.dumps({"messages": msgs, "meta": {"tools": tools}, "tools": None}),  # blob nested, not top level
        json.dumps({"messages": msgs, "meta": {"old": tools}, "tools": tools}),   # blob twice
        json.dumps({"messages": [{"role": "user", "content": "\x00workbench-tools"}], "tools": tools}),
        json.dumps({"tools": tools, "messages": msgs, "note": blob}),         # blob text inside a string
        json.dumps({"messages": msgs, "tools": [{"type": "function", "function": {"name": "u"}}]}),
    ]
    shared = SharedTools()
    for line in lines:
        raw = line.encode()
        assert shared.loads(raw) == orjson.loads(raw), line
    assert shared.blobs  # the fast path was taken
