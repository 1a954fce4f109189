"""How long ``vaultra --help`` and ``vaultra --version`` take, from spawn to exit.

The installed console script is run as a user would run it, interleaved with a bare
``python -c pass`` from the same interpreter (the floor no command line can beat). Each
figure is a median of ``RUNS`` runs. Goal: each at most 0.3 s.

    python -m bench.cli
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench.common import goal_table, median_ms, percentile_ms

RUNS = 20
GOAL_SECONDS = 0.3


def elapsed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    script = str(Path(sys.executable).with_name("vaultra"))
    commands = {
        "python -c pass (floor)": [sys.executable, "-c", "pass"],
        "vaultra --help": [script, "--help"],
        "vaultra --version": [script, "--version"],
    }
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for argv in commands.values():  # warm the page cache and the bytecode once
        elapsed(argv)
    for _ in range(RUNS):
        for name, argv in commands.items():
            samples[name].append(elapsed(argv))
    floor = median_ms(samples["python -c pass (floor)"])
    rows = []
    for name in commands:
        p50 = median_ms(samples[name])
        cells = [name, f"{p50:,.0f} ms", f"{percentile_ms(samples[name], 95):,.0f} ms"]
        rows.append(([*cells, f"{p50 / floor:.1f}x"], p50 <= GOAL_SECONDS * 1000))
    headers = ["command", "p50", "p95", "vs bare python"]
    print(goal_table(f"CLI start-up ({RUNS} interleaved runs)", "≤ 300 ms", headers, rows))


if __name__ == "__main__":
    main()
