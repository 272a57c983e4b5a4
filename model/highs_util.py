"""highspy helpers shared by the route solver and the run information."""
from __future__ import annotations

import os
import sys

import highspy


def quiet_highs() -> highspy.Highs:
    """A highspy instance without its start-up banner on the console."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


def highs_version() -> str:
    h = quiet_highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"
