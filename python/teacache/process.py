"""The bridge process's own setup: library chatter and progress bars kept off Node's terminal."""

from __future__ import annotations

import os
import sys

# The bridge inherits Node's terminal: keep library chatter and progress bars off it.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("DIFFUSERS_VERBOSITY", "error")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def redirect_output() -> None:
    """Send this process's stdout/stderr (warnings, library prints) to the log file TS named.

    The bridge itself talks over a separate IPC channel, so fds 1 and 2 are free to move.
    """
    path = os.environ.get("TEACACHE_PYTHON_LOG")
    if not path:
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def quiet() -> None:
    import warnings

    warnings.filterwarnings("ignore")
    try:
        from diffusers.utils import logging as dlog
        from transformers.utils import logging as tlog

        dlog.set_verbosity_error()
        dlog.disable_progress_bar()
        tlog.set_verbosity_error()
        tlog.disable_progress_bar()
    except Exception:  # noqa: BLE001 - quieting is best effort
        pass
