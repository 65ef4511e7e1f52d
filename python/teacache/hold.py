"""A test-only pause in the step loops (TEACACHE_TEST_HOLD); never set in real use.

A test that signals or kills a run mid-run used to make the run long (hundreds of steps) and hope
the signal landed before it ended: on a busy machine it did not always, and on an idle one the test
wasted minutes. With TEACACHE_TEST_HOLD="<step>:<folder>" every loop of this process (denoise, the
indicator trace) stops after step <step> and waits, so a signal sent then always finds it mid-run,
whatever the machine's speed:

- on reaching the step it writes <folder>/held-<pid> (the test's marker, naming this process);
- it goes on once the test removes that file (this loop only: the next loop stops again), or once
  <folder>/release exists (every loop from then on), or never, when the process is stopped first.

Unset, `from_env` gives None and the loops run exactly as without this module.
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Callable, Optional

ENV = "TEACACHE_TEST_HOLD"
POLL_S = 0.02


def from_env() -> Optional[Callable[[int], float]]:
    """A function to call after each step with its index, returning the seconds it waited; or None."""
    spec = os.environ.get(ENV)
    if not spec:
        return None
    step, sep, folder = spec.partition(":")
    if not sep or not step.isdigit() or not folder:
        raise ValueError(f'{ENV}: expected "<step>:<folder>", got {spec!r}')
    at = int(step)

    def hold(index: int) -> float:
        if index != at:
            return 0.0
        release = os.path.join(folder, "release")
        if os.path.exists(release):
            return 0.0
        marker = os.path.join(folder, f"held-{os.getpid()}")
        started = time.perf_counter()
        # Written aside and renamed into place: a test that sees the marker must also see its text.
        staging = os.path.join(folder, f".staging-{os.getpid()}")
        with open(staging, "w") as f:
            f.write(f"{index}\n")
        os.replace(staging, marker)
        while os.path.exists(marker) and not os.path.exists(release):
            time.sleep(POLL_S)
        # Let go through `release`: the marker must not count as a loop still held.
        with contextlib.suppress(FileNotFoundError):
            os.remove(marker)
        return time.perf_counter() - started

    return hold
