"""A run of the real CLI in a child process, held in one stage.

The stage function is wrapped so that it prints READY on stdout and then
waits, until the test creates the file ``go`` in the run's folder (or, with
``poll_deadline``, until the run's deadline is cancelled, as the solvers will
stop). When ``start`` returns, the run is in that stage: a test can send it
a signal or start a second run. The wait stands for a stage that takes long
(a large sheet, a slow disk, a long solve); everything else is real.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Sequence

from tests.workbooks import tiny

ROOT = Path(__file__).resolve().parents[1]

# Wrap model.<module>.<name> so that it announces itself and then waits (in
# short sleeps, so that a handler that does not raise is seen to return).
CHILD = textwrap.dedent("""
    import importlib, os, sys, time
    from model import interrupts
    module = importlib.import_module({module!r})
    original = getattr(module, {name!r})

    def wrapped(*args, **kwargs):
        print("READY", flush=True)
        for _ in range(600):
            guard = interrupts._active
            if {poll_deadline} and guard.deadline is not None and guard.deadline.expired():
                break  # as the solvers will: stop when the deadline is cancelled
            if os.path.exists("go"):
                break  # the test lets the run go on
            time.sleep(0.05)
        return original(*args, **kwargs)

    setattr(module, {name!r}, wrapped)
    from model.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def launch(tmp_path: Path, module: str, name: str, *,
           poll_deadline: bool = False, args: Sequence[str] = ()) -> subprocess.Popen:
    """The run on tests.workbooks.tiny() in tmp_path, report out/report.xlsx,
    with more command-line ``args``; it is on its way to the stage (see
    ``ready``)."""
    code = CHILD.format(module=module, name=name, poll_deadline=poll_deadline)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", code, "--input", str(tiny(tmp_path / "tiny.xlsx")),
         "--output", str(tmp_path / "out" / "report.xlsx"), *args],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def ready(proc: subprocess.Popen) -> subprocess.Popen:
    """Wait until the run is in its stage (it printed READY)."""
    lines = []
    for line in proc.stdout:
        if line.strip() == "READY":
            return proc
        lines.append(line)
    proc.wait(timeout=10)
    raise AssertionError("the child never reached the stage: " + "".join(lines)
                         + proc.stderr.read())


def start(tmp_path: Path, module: str, name: str, *,
          poll_deadline: bool = False) -> subprocess.Popen:
    """``launch``, then ``ready``."""
    return ready(launch(tmp_path, module, name, poll_deadline=poll_deadline))


def end(proc: subprocess.Popen) -> None:
    """Stop a child the test did not bring to an end (a failed test)."""
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)
    for stream in (proc.stdout, proc.stderr):
        stream.close()
