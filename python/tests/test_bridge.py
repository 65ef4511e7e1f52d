"""What crosses the bridge: every entry answers with JSON text, a value or a failure as data
(kind, message, errno, the traceback in a file); TypeScript reads a full disk from its errno."""

import errno
import json
import os

import pytest

from teacache import answers, bridge, pipeline


@pytest.fixture
def log_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("TEACACHE_PYTHON_LOG", str(tmp_path / "python.log"))
    return tmp_path


def _answer(function, *args, **kwargs) -> dict:
    return json.loads(answers.entry(function)(*args, **kwargs))


def _raising(error):
    def call():
        raise error

    return call


def test_a_value_crosses_as_ok():
    assert _answer(lambda a, b=0: {"sum": a + b}, 1, b=2) == {"ok": True, "value": {"sum": 3}}


@pytest.mark.parametrize("error, kind, number, is_input", [
    (OSError(errno.ENOSPC, "No space left on device"), "OSError", errno.ENOSPC, False),
    (RuntimeError("boom"), "RuntimeError", None, False),
    (pipeline.InputError("device: no CUDA"), "InputError", None, True),
])
def test_a_failure_crosses_as_data_with_its_traceback_in_a_file(log_folder, error, kind, number, is_input):
    answer = _answer(_raising(error))
    failure = answer["error"]
    assert answer["ok"] is False
    assert failure["kind"] == kind and failure["message"] == str(error)
    assert failure["errno"] == number and failure["input"] is is_input and failure["out_of_memory"] is False
    path = failure["traceback_path"]
    assert os.path.dirname(path) == str(log_folder) and failure["traceback"] is None
    with open(path, encoding="utf-8") as text:
        assert text.read().startswith("Traceback (most recent call last)")
    os.unlink(path)


def test_out_of_memory_is_flagged(log_folder):
    failure = _answer(_raising(RuntimeError("CUDA out of memory. Tried to allocate 2 GiB")))["error"]
    assert failure["out_of_memory"] is True
    os.unlink(failure["traceback_path"])


def test_without_a_folder_for_it_the_traceback_travels_inline(monkeypatch, tmp_path):
    monkeypatch.setenv("TEACACHE_PYTHON_LOG", str(tmp_path / "gone" / "python.log"))
    monkeypatch.setattr(answers.tempfile, "gettempdir", lambda: str(tmp_path / "gone"))
    failure = _answer(_raising(RuntimeError("boom")))["error"]
    assert failure["traceback_path"] is None and "RuntimeError: boom" in failure["traceback"]


def test_every_entry_answers_as_data():
    entries = bridge.Entries(bridge.Session())
    assert set(bridge.ENTRIES) <= {n for n in dir(bridge.Session) if not n.startswith("_")}
    answer = json.loads(entries.decode(None))
    assert answer["ok"] is False and answer["error"]["kind"] == "RuntimeError"
    os.unlink(answer["error"]["traceback_path"])
    assert json.loads(entries.versions())["ok"] is True
