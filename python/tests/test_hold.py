"""The test-only hold (TEACACHE_TEST_HOLD): where the loops stop, how they go on, and that the
wait never counts in a timing."""

import os
import threading
import time
from types import SimpleNamespace

import pytest

from teacache import generate, hold


def _wait_for(path, thread):
    # Waiting for a marker, not for time to pass: the thread writes it before it waits.
    while not os.path.exists(path):
        assert thread.is_alive(), "the hold returned without waiting"
        time.sleep(0.005)


def _held(pause, index, result):
    thread = threading.Thread(target=lambda: result.append(pause(index)), daemon=True)
    thread.start()
    return thread


def test_unset_or_empty_means_no_hold(monkeypatch):
    monkeypatch.delenv(hold.ENV, raising=False)
    assert hold.from_env() is None
    monkeypatch.setenv(hold.ENV, "")
    assert hold.from_env() is None


@pytest.mark.parametrize("spec", ["3", "x:/tmp", "-1:/tmp", "2:"])
def test_a_malformed_value_is_refused(monkeypatch, spec):
    monkeypatch.setenv(hold.ENV, spec)
    with pytest.raises(ValueError, match=hold.ENV):
        hold.from_env()


def test_only_the_given_step_waits(monkeypatch, tmp_path):
    monkeypatch.setenv(hold.ENV, f"2:{tmp_path}")
    pause = hold.from_env()
    assert [pause(i) for i in (0, 1, 3)] == [0.0, 0.0, 0.0]
    assert os.listdir(tmp_path) == []


def test_removing_the_marker_lets_one_loop_go_on(monkeypatch, tmp_path):
    monkeypatch.setenv(hold.ENV, f"1:{tmp_path}")
    pause = hold.from_env()
    result = []
    thread = _held(pause, 1, result)
    marker = tmp_path / f"held-{os.getpid()}"
    _wait_for(marker, thread)
    assert marker.read_text() == "1\n"
    marker.unlink()
    thread.join(60)
    assert not thread.is_alive() and result[0] >= 0
    # The next loop stops again.
    thread = _held(pause, 1, result)
    _wait_for(marker, thread)
    (tmp_path / "release").touch()
    thread.join(60)
    assert not thread.is_alive()
    assert sorted(os.listdir(tmp_path)) == ["release"]


def test_release_lets_every_loop_go_on(monkeypatch, tmp_path):
    monkeypatch.setenv(hold.ENV, f"0:{tmp_path}")
    (tmp_path / "release").touch()
    assert hold.from_env()(0) == 0.0
    assert sorted(os.listdir(tmp_path)) == ["release"]


class _Clock:
    """perf_counter for generate: advances a millisecond a call, and as far as a hold says it waited."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self):
        self.now += 0.001
        return self.now


def test_denoise_and_the_trace_stop_at_every_step_and_never_time_the_wait(tiny_t2v, monkeypatch):
    pipe, facts = tiny_t2v
    clock = _Clock()
    calls = []

    def pause(index):
        calls.append(index)
        clock.now += 1000.0
        return 1000.0

    monkeypatch.setattr(hold, "from_env", lambda: pause)
    embeddings, _ = generate.encode_prompt(pipe, facts, "a cat", None, 6.0)
    monkeypatch.setattr(generate, "time", SimpleNamespace(perf_counter=clock.perf_counter))
    out = generate.denoise(pipe, facts, embeddings, decide=None, on_step=None, image=None, seed=1, steps=3,
                           guidance_scale=6.0, use_dynamic_cfg=True, height=32, width=32, frames=9)
    assert calls == [0, 1, 2]
    assert 0 < out["seconds"] < 1000 and all(0 < s < 1000 for s in out["step_seconds"])
    calls.clear()
    generate.indicator_trace(pipe, facts, 4, 6.0)
    assert calls == [0, 1, 2, 3]
