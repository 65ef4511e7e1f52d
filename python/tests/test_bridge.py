"""The failure payload that crosses the bridge: TypeScript reads a full disk from its errno."""

import base64
import errno
import json
import re

import pytest

from teacache import bridge


def _payload(failing) -> dict:
    with pytest.raises(bridge.BridgeError) as caught:
        bridge._reported(failing)()
    encoded = re.fullmatch(r"TEACACHE_ERROR:([A-Za-z0-9+/=]+):END", str(caught.value)).group(1)
    return json.loads(base64.b64decode(encoded))


def test_a_full_disk_carries_its_errno():
    def write_frame():
        raise OSError(errno.ENOSPC, "No space left on device")

    payload = _payload(write_frame)
    assert payload["errno"] == errno.ENOSPC
    assert payload["type"] == "OSError"
    assert "Traceback" in payload["traceback"]


def test_other_failures_carry_no_errno():
    def compute():
        raise RuntimeError("boom")

    assert _payload(compute)["errno"] is None
