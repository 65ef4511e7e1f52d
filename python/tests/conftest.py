import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@pytest.fixture(scope="session")
def tiny_t2v():
    from teacache import pipeline

    return pipeline.load("tiny", "cpu", "float32", False, False, "none")
