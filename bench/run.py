"""sochat's benchmark: each scenario against its ceiling, side by side in the same run.

Entry point: ``./scripts/bench`` (``--help`` for the options). Servers run pinned to core 0
(``taskset -c 0``), the load generator on core 1 (``taskset -c 1 wrk -t1``); every
scenario gets a warm-up, then a measured run. Results: a table on stdout,
``bench/results/latest.json``, ``docs/benchmarks.png`` and ``docs/benchmarks.md``.
See docs/benchmarks.md for what each scenario and baseline is.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench import datagen, report
from bench.harness import (
    LoadResult,
    RequestSpec,
    Server,
    baseline_server,
    ensure_wrk,
    fetch,
    run_commit_baseline,
    run_fixed_rate,
    run_wrk,
    sochat_server,
    write_capture,
)

RESULTS = Path(__file__).resolve().parent / "results"

ARCHIVE_QUERY = "$filter=status eq 'InQueue' and whenRequested after '2024-01-01'&$top=50"
ARCHIVE_PATH = "/api/v1/ChatSession?" + "&".join(
    f"{quote(k, safe='$')}={quote(v, safe='')}"
    for k, v in (p.split("=", 1) for p in ARCHIVE_QUERY.split("&"))
)
MESSAGE_BODY = b'{"Type":"ToUser","Message":"Hello, I have a question about my order (benchmark message)."}'


@dataclass(frozen=True)
class Options:
    duration: float
    warmup: float
    fixed_duration: float
    sizes: tuple[int, ...]
    pg: bool
    only: frozenset[str]
    regenerate: bool

    def wants(self, key: str) -> bool:
        return not self.only or key in self.only


def _ids(ds: datagen.Dataset, count: int = 2000) -> list[int]:
    rng = random.Random(11)
    return [rng.randint(ds.first_session_id, ds.last_session_id) for _ in range(count)]


def spec_default() -> RequestSpec:
    return RequestSpec("GET", ["/api/v1/ChatSession/default"])


def spec_get(ds: datagen.Dataset) -> RequestSpec:
    return RequestSpec("GET", [f"/api/v1/ChatSession/{i}" for i in _ids(ds)])


def spec_archive() -> RequestSpec:
    return RequestSpec("GET", [ARCHIVE_PATH])


def spec_post_message(ds: datagen.Dataset) -> RequestSpec:
    ids = list(ds.writable_ids)
    random.Random(5).shuffle(ids)
    return RequestSpec("POST", [f"/api/v1/ChatSession/{i}/Messages" for i in ids], [MESSAGE_BODY])


def spec_poll(ds: datagen.Dataset) -> RequestSpec:
    """An agent polling for new messages: ``after`` = the session's 8th message, so 2 come back."""
    ids = _ids(ds)
    first = ds.first_message_id
    bodies = [
        json.dumps(
            {
                "chatSessionId": i,
                "after": first + (i - ds.first_session_id) * datagen.MESSAGES_PER_SESSION + 7,
            }
        ).encode()
        for i in ids
    ]
    return RequestSpec("POST", ["/api/v1/Agents/Chat/GetChatMessages"], bodies)


class Bench:
    def __init__(self, opts: Options) -> None:
        self.opts = opts
        self.rows: list[dict[str, Any]] = []
        self.tmp = Path(tempfile.mkdtemp(prefix="sochat-bench-"))

    # -- one measurement ----------------------------------------------------

    def check(self, server: Server, spec: RequestSpec, expect: int = 200) -> tuple[int, list[Any], bytes]:
        status, headers, body = fetch(server.port, spec)
        if status != expect:
            raise RuntimeError(f"{spec.method} {spec.paths[0]} answered {status}: {body[:300]!r}")
        return status, headers, body

    def load(self, server: Server, spec: RequestSpec, connections: int) -> LoadResult:
        return run_wrk(
            server, spec, connections=connections, duration=self.opts.duration, warmup=self.opts.warmup
        )

    def record(
        self,
        key: str,
        title: str,
        db: str,
        result: LoadResult,
        baseline: dict[str, Any] | None,
        *,
        target: float | None,
        connections: int,
        fixed: dict[str, Any] | None = None,
        notes: str = "",
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        ratio = result.rps / baseline["rps"] if baseline and baseline.get("rps") else None
        row = {
            "key": key,
            "scenario": title,
            "db": db,
            "connections": connections,
            "sochat": result.as_dict(),
            "baseline": baseline,
            "ratio": ratio,
            "target": target,
            "target_met": None if target is None or ratio is None else ratio >= target,
            "p99_at_half_load": fixed,
            "notes": notes,
            **(extra or {}),
        }
        self.rows.append(row)
        print(report.row_line(row), flush=True)
        return row

    def fixed(
        self, server: Server, spec: RequestSpec, peak_rps: float, connections: int = 32
    ) -> dict[str, Any]:
        return run_fixed_rate(
            server,
            spec,
            rate=max(1.0, peak_rps / 2),
            duration=self.opts.fixed_duration,
            connections=connections,
        )

    def static_baseline(
        self, name: str, spec: RequestSpec, connections: int, captured: tuple[int, list[Any], bytes]
    ) -> dict[str, Any]:
        capture = self.tmp / f"{name}.json"
        write_capture(capture, *captured)
        with baseline_server("static", capture=capture).start() as base:
            status, _, body = fetch(base.port, spec)
            if status != captured[0] or body != captured[2]:
                raise RuntimeError(f"baseline {name} does not answer the captured bytes")
            return {"kind": "bare ASGI, identical bytes", **self.load(base, spec, connections).as_dict()}

    # -- scenario groups ----------------------------------------------------

    def reads(self, ds: datagen.Dataset, db: str) -> None:
        """Scenarios 1, 2, 4, 5 on one read-only server over the dataset."""
        opts = self.opts
        with sochat_server(ds.url).start("/api") as server:
            if opts.wants("1"):
                spec = spec_default()
                captured = self.check(server, spec)
                result = self.load(server, spec, 32)
                base = self.static_baseline(f"s1-{db}", spec, 32, captured)
                self.record(
                    "1",
                    "GET /ChatSession/default",
                    db,
                    result,
                    base,
                    target=0.50,
                    connections=32,
                    fixed=self.fixed(server, spec, result.rps),
                    extra={"body_bytes": len(captured[2])},
                )
            if opts.wants("2"):
                spec = spec_get(ds)
                captured = self.check(server, spec)
                result = self.load(server, spec, 32)
                base = self.static_baseline(f"s2-{db}", RequestSpec("GET", spec.paths[:1]), 32, captured)
                self.record(
                    "2",
                    f"GET /ChatSession/{{id}} ({ds.sessions:,} sessions)",
                    db,
                    result,
                    base,
                    target=0.33,
                    connections=32,
                    fixed=self.fixed(server, spec, result.rps),
                    notes="ids rotate over the whole table; the baseline answers the bytes of the first one",
                    extra={"body_bytes": len(captured[2]), "sessions": ds.sessions},
                )
            if opts.wants("4"):
                spec = spec_archive()
                captured = self.check(server, spec)
                result = self.load(server, spec, 32)
                with baseline_server("sql", database_url=ds.url).start() as base_server:
                    self.check(base_server, spec)
                    base = {
                        "kind": "hand-written SQL, same driver, bare ASGI",
                        **self.load(base_server, spec, 32).as_dict(),
                    }
                self.record(
                    "4",
                    "GET /ChatSession?$filter=…&$top=50",
                    db,
                    result,
                    base,
                    target=0.50,
                    connections=32,
                    fixed=self.fixed(server, spec, result.rps),
                    extra={"body_bytes": len(captured[2]), "sessions": ds.sessions},
                )
            if opts.wants("5"):
                spec = spec_poll(ds)
                captured = self.check(server, spec)
                result = self.load(server, spec, 500)
                base = self.static_baseline(
                    f"s5-{db}", RequestSpec("POST", spec.paths, spec.bodies[:1]), 500, captured
                )
                self.record(
                    "5",
                    "POST Agents/Chat/GetChatMessages, 500 agents",
                    db,
                    result,
                    base,
                    target=None,
                    connections=500,
                    fixed=self.fixed(server, spec, result.rps, connections=64),
                    notes="500 wrk connections; the baseline answers the bytes of one poll",
                    extra={"body_bytes": len(captured[2])},
                )

    def writes(self, ds: datagen.Dataset, db: str, copy: Callable[[str], datagen.Dataset]) -> None:
        """Scenario 3 on a scratch copy; the commit baseline on another scratch copy."""
        if not self.opts.wants("3"):
            return
        spec = spec_post_message(ds)
        scratch = copy("a")
        with sochat_server(scratch.url).start("/api") as server:
            self.check(server, spec)
            result = self.load(server, spec, 32)
            fixed = self.fixed(server, spec, result.rps)
        bare = copy("b")
        base = run_commit_baseline(
            bare.url, ds.writable_ids, duration=self.opts.duration, warmup=self.opts.warmup, tasks=32
        )
        base["kind"] = "bare script, same rows, same driver and durability, 32 tasks"
        base["cpu_us_per_request"] = base["cpu_seconds"] / max(1, base["commits"]) * 1e6
        self.record(
            "3",
            "POST /ChatSession/{id}/Messages, 32 writers",
            db,
            result,
            base,
            target=0.50,
            connections=32,
            fixed=fixed,
            notes="rows written per message: session UPDATE + chat_message INSERT"
            + (f" + {base['event_table']} INSERT" if base.get("event_table") else ""),
        )

    def workers(self, ds: datagen.Dataset) -> None:
        """Scenario 6a: 1 → 2 workers on PostgreSQL (GET by id and the default endpoint)."""
        if not self.opts.wants("6"):
            return
        for key, spec in (("6a-default", spec_default()), ("6a-get", spec_get(ds))):
            results = {}
            for workers, cpus in ((1, "0"), (2, "0,1")):
                with sochat_server(ds.url, workers=workers, cpus=cpus).start("/api") as server:
                    self.check(server, spec)
                    results[workers] = self.load(server, spec, 64)
            one, two = results[1], results[2]
            self.record(
                key,
                f"{spec.paths[0] if len(spec.paths) == 1 else 'GET /ChatSession/{id}'}: 2 workers vs 1",
                "postgresql",
                two,
                {"kind": "the same server with 1 worker on 1 core", **one.as_dict()},
                target=None,
                connections=64,
                notes="2 workers on cores 0-1 share core 1 with wrk; ratio = 2-worker / 1-worker rate",
                extra={"workers": {"1": one.as_dict(), "2": two.as_dict()}},
            )

    def sizes(self) -> None:
        """Scenario 6b: cost of scenarios 2 and 4 with 10k, 100k, 1M stored sessions (SQLite)."""
        if not self.opts.wants("6"):
            return
        for n in self.opts.sizes:
            ds = datagen.sqlite_dataset(n, regenerate=self.opts.regenerate)
            with sochat_server(ds.url).start("/api") as server:
                for key, spec, title in (
                    ("6b-get", spec_get(ds), "GET /ChatSession/{id}"),
                    ("6b-archive", spec_archive(), "GET /ChatSession?$filter=…"),
                ):
                    self.check(server, spec)
                    result = self.load(server, spec, 32)
                    self.record(
                        key,
                        f"{title} at {n:,} sessions",
                        "sqlite",
                        result,
                        None,
                        target=None,
                        connections=32,
                        extra={"sessions": n},
                    )

    def run(self) -> None:
        opts = self.opts
        ensure_wrk()
        print(f"bench: datasets (cached under {datagen.DATA_DIR}) ...", flush=True)
        lite = datagen.sqlite_dataset(100_000, regenerate=opts.regenerate)
        groups: list[tuple[str, Callable[[], None]]] = [
            ("sqlite reads", lambda: self.reads(lite, "sqlite")),
            (
                "sqlite writes",
                lambda: self.writes(
                    lite, "sqlite", lambda tag: datagen.scratch_copy(lite, self.tmp / f"w-{tag}.db")
                ),
            ),
        ]
        if opts.pg:
            pg = datagen.pg_dataset(100_000, regenerate=opts.regenerate)

            def pg_copy(tag: str) -> datagen.Dataset:
                return datagen.pg_scratch_copy(pg, f"sochat_bench_scratch_{tag}")

            groups += [
                ("postgresql reads", lambda: self.reads(pg, "postgresql")),
                ("postgresql writes", lambda: self.writes(pg, "postgresql", pg_copy)),
                ("postgresql workers", lambda: self.workers(pg)),
            ]
        groups.append(("dataset sizes", self.sizes))
        print(report.header_line(), flush=True)
        for name, group in groups:
            try:
                group()
            except Exception:
                print(
                    f"bench: the {name} group failed:\n{traceback.format_exc()}", file=sys.stderr, flush=True
                )
                self.rows.append({"key": "error", "scenario": name, "error": traceback.format_exc()})
        if opts.pg:
            for tag in ("a", "b"):
                datagen.pg_drop(f"sochat_bench_scratch_{tag}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per run (default 5)")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per run (default 2)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="short runs (1 s warm-up, 2 s measured), sizes 10k and 100k; "
        "results to bench/results/quick.json, docs untouched",
    )
    parser.add_argument(
        "--only", default="", help="comma-separated scenarios to run, e.g. 1,2 (default: all)"
    )
    parser.add_argument("--sizes", default="10000,100000,1000000", help="session counts for the cost curve")
    parser.add_argument("--no-pg", action="store_true", help="skip the PostgreSQL variants")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the cached datasets")
    parser.add_argument(
        "--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md and the chart"
    )
    args = parser.parse_args(argv)
    sizes = tuple(int(s) for s in args.sizes.split(",") if s)
    if args.quick:
        args.duration, args.warmup = 2.0, 1.0
        if args.sizes == parser.get_default("sizes"):
            sizes = (10_000, 100_000)
    opts = Options(
        duration=args.duration,
        warmup=args.warmup,
        fixed_duration=max(2.0, args.duration),
        sizes=sizes,
        pg=not args.no_pg,
        only=frozenset(s.strip() for s in args.only.split(",") if s.strip()),
        regenerate=args.regenerate,
    )
    started = time.time()
    bench = Bench(opts)
    bench.run()
    results = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": round(time.time() - started, 1),
        "options": {
            "duration": opts.duration,
            "warmup": opts.warmup,
            "quick": args.quick,
            "only": sorted(opts.only),
            "sizes": list(sizes),
        },
        "machine": report.machine_info(),
        "rows": bench.rows,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("quick.json" if args.quick else "latest.json")
    out.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(report.table(results))
    print(f"\nbench: results in {out.relative_to(datagen.BENCH_DIR.parent)}")
    if not args.quick and not args.no_docs:
        report.write_docs(results)
        print("bench: wrote docs/benchmarks.md and docs/benchmarks.png")
    return 1 if any(r.get("key") == "error" for r in bench.rows) else 0


if __name__ == "__main__":
    sys.exit(main())
