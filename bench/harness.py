"""Processes, load and measurements: servers pinned to a core, wrk, CPU time from /proc."""

from __future__ import annotations

import base64
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
SERVER_CPUS = "0"
LOAD_CPUS = "1"

HEADERS = {
    "Authorization": "Basic dGplMDpUamUw",  # tje0:Tje0, the seed request's user
    "Accept": "application/json",
    "SO-Language": "en",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_wrk() -> str:
    """wrk from Debian's packages, installed when missing (as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit("bench: wrk is missing; install it (Debian: apt-get install wrk)")
    print("bench: installing wrk from Debian's packages ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        sys.exit("bench: could not install wrk")
    return found


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process and all its descendants (uvicorn's workers), in seconds."""
    total = 0
    for p in _descendants(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)
    return total / CLK_TCK


@dataclass
class Server:
    """A server process started (and later stopped) by the harness, in its own process group."""

    name: str
    argv: list[str]
    port: int
    cpus: str = SERVER_CPUS
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    def start(self, ready_path: str = "/", timeout: float = 120.0) -> Server:
        log = tempfile.NamedTemporaryFile(prefix=f"bench-{self.name}-", suffix=".log", delete=False)  # noqa: SIM115
        self.log_path = Path(log.name)
        self.proc = subprocess.Popen(
            ["taskset", "-c", self.cpus, *self.argv],
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", ready_path)
                conn.getresponse().read()
                conn.close()
                return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {timeout:.0f} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path else ""

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)  # our own process group (start_new_session)
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        except ProcessLookupError:
            pass

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)


def sochat_server(database_url: str, *, workers: int = 1, cpus: str = SERVER_CPUS) -> Server:
    port = free_port()
    argv = [
        str(VENV_BIN / "sochat"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--database",
        database_url,
        "--workers",
        str(workers),
    ]
    return Server(f"sochat-w{workers}", argv, port, cpus=cpus, env={"SOCHAT_LOG_LEVEL": "warning"})


def baseline_server(kind: str, *, capture: Path | None = None, database_url: str | None = None) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "bench.baselines", kind, "--port", str(port)]
    if capture is not None:
        argv += ["--capture", str(capture)]
    if database_url is not None:
        argv += ["--database", database_url]
    return Server(f"baseline-{kind}", argv, port)


# ---------------------------------------------------------------------------
# Requests


@dataclass(frozen=True)
class RequestSpec:
    """What a scenario sends: a method, paths and bodies used round-robin, and the headers."""

    method: str
    paths: Sequence[str]
    bodies: Sequence[bytes] = ()
    content_type: str = "application/json"

    def at(self, i: int) -> tuple[str, bytes | None]:
        path = self.paths[i % len(self.paths)]
        body = self.bodies[i % len(self.bodies)] if self.bodies else None
        return path, body

    def raw(self, i: int, host: str) -> bytes:
        path, body = self.at(i)
        lines = [f"{self.method} {path} HTTP/1.1", f"Host: {host}"]
        lines += [f"{k}: {v}" for k, v in HEADERS.items()]
        if body is not None:
            lines += [f"Content-Type: {self.content_type}", f"Content-Length: {len(body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def fetch(port: int, spec: RequestSpec, i: int = 0) -> tuple[int, list[tuple[str, str]], bytes]:
    path, body = spec.at(i)
    headers = dict(HEADERS)
    if body is not None:
        headers["Content-Type"] = spec.content_type
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(spec.method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, resp.getheaders(), data


def write_capture(path: Path, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    path.write_text(
        json.dumps({"status": status, "headers": headers, "body": base64.b64encode(body).decode()})
    )


def _lua_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def lua_script(spec: RequestSpec) -> str:
    paths = ",\n".join(_lua_string(p) for p in spec.paths)
    bodies = ",\n".join(_lua_string(b.decode()) for b in spec.bodies)
    headers = "\n".join(f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in HEADERS.items())
    if spec.bodies:
        headers += f'\nwrk.headers["Content-Type"] = {_lua_string(spec.content_type)}'
    return f"""-- generated by bench/harness.py
{headers}
local paths = {{
{paths}
}}
local bodies = {{
{bodies}
}}
local i = 0
request = function()
  i = i + 1
  local path = paths[(i % #paths) + 1]
  local body = nil
  if #bodies > 0 then body = bodies[(i % #bodies) + 1] end
  return wrk.format({_lua_string(spec.method)}, path, nil, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCHJSON {{\\"requests\\":%d,\\"duration_us\\":%d,\\"p50_us\\":%d,\\"p90_us\\":%d,\\"p99_us\\":%d," ..
    "\\"connect\\":%d,\\"read\\":%d,\\"write\\":%d,\\"status\\":%d,\\"timeout\\":%d}}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def _machine_busy_seconds() -> float:
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / CLK_TCK


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class LoadResult:
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    errors: int
    cpu_us_per_request: float
    seconds: float
    # CPU (in cores) that processes other than the server and wrk used during the run: on a
    # shared machine, anything well above 0 makes the figures unreliable.
    foreign_cores: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def run_wrk(
    server: Server, spec: RequestSpec, *, connections: int, duration: float, warmup: float
) -> LoadResult:
    """Warm up, then one measured wrk run (1 thread, pinned to the load core)."""
    wrk = ensure_wrk()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua_script(spec))
        script = f.name
    url = f"http://127.0.0.1:{server.port}"

    def once(seconds: float) -> tuple[dict[str, Any], float]:
        argv = ["taskset", "-c", LOAD_CPUS, wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
        argv += ["--timeout", "10s", "-s", script, url]
        cpu0, busy0, kids0, t0 = (
            cpu_seconds(server.pid),
            _machine_busy_seconds(),
            _children_cpu(),
            time.monotonic(),
        )
        out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
        cpu = cpu_seconds(server.pid) - cpu0
        foreign = _machine_busy_seconds() - busy0 - cpu - (_children_cpu() - kids0)
        for line in out.stdout.splitlines():
            if line.startswith("BENCHJSON "):
                data = json.loads(line[len("BENCHJSON ") :])
                data["foreign_cores"] = max(0.0, foreign / (time.monotonic() - t0))
                return data, cpu
        raise RuntimeError(f"wrk printed no result:\n{out.stdout}\n{out.stderr}")

    try:
        if warmup > 0:
            once(warmup)
        data, cpu = once(duration)
    finally:
        os.unlink(script)
    seconds = data["duration_us"] / 1e6
    requests = data["requests"]
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return LoadResult(
        rps=requests / seconds,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        requests=requests,
        errors=errors,
        cpu_us_per_request=cpu / requests * 1e6 if requests else 0.0,
        seconds=seconds,
        foreign_cores=round(data["foreign_cores"], 2),
    )


def run_fixed_rate(
    server: Server, spec: RequestSpec, *, rate: float, duration: float, connections: int = 32
) -> dict[str, Any]:
    """p99 at a fixed request rate (bench/fixedrate.py, pinned to the load core)."""
    host = f"127.0.0.1:{server.port}"
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump([base64.b64encode(spec.raw(i, host)).decode() for i in range(2000)], f)
        requests_file = f.name
    argv = ["taskset", "-c", LOAD_CPUS, sys.executable, "-m", "bench.fixedrate", "--port", str(server.port)]
    argv += ["--rate", f"{rate:.1f}", "--duration", str(duration), "--connections", str(connections)]
    argv += ["--requests-file", requests_file]
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 120, cwd=ROOT)
    finally:
        os.unlink(requests_file)
    if out.returncode != 0:
        raise RuntimeError(f"fixedrate failed:\n{out.stderr}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run_commit_baseline(
    database_url: str, session_ids: Sequence[int], *, duration: float, warmup: float, tasks: int = 32
) -> dict[str, Any]:
    argv = ["taskset", "-c", SERVER_CPUS, sys.executable, "-m", "bench.commit_baseline"]
    argv += ["--database", database_url, "--sessions", ",".join(str(i) for i in session_ids)]
    argv += ["--tasks", str(tasks), "--duration", str(duration), "--warmup", str(warmup)]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + warmup + 120, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"commit baseline failed:\n{out.stderr}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))
