"""Profile sochat under load with py-spy: ``python -m bench.profile 1`` (or 2, 4, 5).

Starts sochat on the 100k-session SQLite dataset pinned to core 0, drives the scenario
with wrk on core 1 and samples the server with ``py-spy record --gil`` (only the thread
holding the GIL, i.e. where the CPU goes). Prints the hottest functions by self and
inclusive time; the raw stacks go to bench/results/profile-<scenario>.txt.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from bench import datagen, run
from bench.harness import RequestSpec, ensure_wrk, run_wrk, sochat_server

RESULTS = Path(__file__).resolve().parent / "results"


def summarize(raw: Path, top: int) -> str:
    own: collections.Counter[str] = collections.Counter()
    incl: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        frames = stack.split(";")
        own[frames[-1]] += n
        for frame in set(frames):
            incl[frame] += n
    out = [f"{total} samples", "-- self"]
    out += [f"{n / total:6.1%}  {f}" for f, n in own.most_common(top)]
    out += ["-- inclusive"]
    out += [f"{n / total:6.1%}  {f}" for f, n in incl.most_common(top * 2)]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", choices=["1", "2", "4", "5"])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--database", help="database URL (default: the 100k SQLite dataset)")
    args = parser.parse_args()
    ensure_wrk()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    ds = datagen.sqlite_dataset(100_000)
    if args.database:
        ds = dataclasses.replace(ds, url=args.database)
    makers: dict[str, Callable[[], RequestSpec]] = {
        "1": run.spec_default,
        "2": lambda: run.spec_get(ds),
        "4": run.spec_archive,
        "5": lambda: run.spec_poll(ds),
    }
    spec = makers[args.scenario]()
    RESULTS.mkdir(exist_ok=True)
    raw = RESULTS / f"profile-{args.scenario}.txt"
    with sochat_server(ds.url).start("/api") as server:
        run_wrk(server, spec, connections=32, duration=2, warmup=0)
        load = threading.Thread(
            target=run_wrk,
            args=(server, spec),
            kwargs={"connections": 32, "duration": args.seconds + 2, "warmup": 0},
        )
        load.start()
        base = [
            py_spy,
            "record",
            "--pid",
            str(server.pid),
            "--gil",
            "--rate",
            "500",
            "--duration",
            str(int(args.seconds)),
        ]
        subprocess.run([*base, "--format", "raw", "--output", str(raw)], check=True, capture_output=True)
        load.join()
    print(summarize(raw, args.top))
    print(f"\nraw stacks (py-spy --format raw, flamegraph.pl input): {raw}")


if __name__ == "__main__":
    main()
