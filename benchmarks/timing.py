"""Time a function of the model while it runs inside the pipeline, without
changing the model: the function is swapped for a timed wrapper for the
duration of a ``with`` block, then put back."""
from __future__ import annotations

import functools
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator


@dataclass
class Stopwatch:
    """Seconds spent in, and number of calls of, a wrapped function."""

    seconds: float = 0.0
    calls: int = 0


def timed(fn: Callable[..., Any], watch: Stopwatch) -> Callable[..., Any]:
    """fn, adding each call's duration to ``watch``."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            watch.seconds += time.perf_counter() - start
            watch.calls += 1

    return wrapper


@contextmanager
def stopwatch(owner: Any, name: str) -> Iterator[Stopwatch]:
    """Time every call of ``owner.name`` (a module's function, a class's
    method or an instance's attribute) made inside the block. Callers that
    look the name up at call time see the wrapper."""
    had_own = name in getattr(owner, "__dict__", {})
    original = getattr(owner, name)
    watch = Stopwatch()
    setattr(owner, name, timed(original, watch))
    try:
        yield watch
    finally:
        if had_own:
            setattr(owner, name, original)
        else:
            delattr(owner, name)
