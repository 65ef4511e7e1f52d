"""What every bridge entry answers: its value, or its failure as data, as JSON text.

TypeScript reads a failure's kind, message and errno from the answer, never from pythonia's
stack text; the full traceback waits in a file beside the Python log.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import tempfile
import traceback
from typing import Callable, Optional

from . import pipeline


def _traceback_file(text: str) -> Optional[str]:
    """The full traceback, beside the Python log (else in the temp folder); TypeScript reads it
    into the error's details and deletes it. None when no folder takes it (a full disk)."""
    log = os.environ.get("TEACACHE_PYTHON_LOG")
    folders = ([os.path.dirname(os.path.abspath(log))] if log else []) + [tempfile.gettempdir()]
    for folder in folders:
        path = None
        try:
            fd, path = tempfile.mkstemp(prefix="teacache-traceback-", suffix=".txt", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            return path
        except OSError:
            if path is not None:
                with contextlib.suppress(OSError):
                    os.unlink(path)
    return None


def failure(error: BaseException) -> dict:
    """A failure as data. `errno` lets TypeScript tell a full disk (ENOSPC, EDQUOT) from a bug
    without parsing messages; the traceback travels inline only when no file could hold it."""
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    path = _traceback_file(text)
    return {
        "kind": type(error).__name__,
        "message": str(error),
        "input": isinstance(error, pipeline.InputError),
        "out_of_memory": "OutOfMemoryError" in type(error).__name__ or "out of memory" in str(error).lower(),
        "errno": error.errno if isinstance(error, OSError) and isinstance(error.errno, int) else None,
        "traceback_path": path,
        "traceback": None if path else text,
    }


def entry(method: Callable) -> Callable:
    """One bridge entry: `{ok: true, value}` or `{ok: false, error}` as JSON text (a JS caller
    would get a dict as a proxy; text arrives whole)."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs) -> str:
        try:
            return json.dumps({"ok": True, "value": method(*args, **kwargs)})
        except Exception as error:  # noqa: BLE001 - every failure must cross the bridge as data
            return json.dumps({"ok": False, "error": failure(error)})

    return wrapper
