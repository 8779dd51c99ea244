"""``python -m build`` makes a wheel and an sdist that carry everything sochat needs; the
wheel, installed into a clean virtual environment, serves ``sochat serve --demo``."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import time
import tomllib
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.reliability.support import TJE0, free_port

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "sochat"

pytestmark = pytest.mark.slow


def _data_files() -> list[str]:
    """Every non-Python file of the package in the source tree, as a path inside the wheel."""
    out = []
    for path in SRC.rglob("*"):
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts:
            out.append("sochat/" + path.relative_to(SRC).as_posix())
    return sorted(out)


def _run(cmd: list[str], **kw: object) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=900, **kw)  # type: ignore[call-overload]
    assert proc.returncode == 0, f"{cmd}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return str(proc.stdout)


def test_wheel_installs_and_serves(tmp_path: Path) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(dist), str(ROOT)])
    (wheel,) = dist.glob("sochat-*.whl")
    (sdist,) = dist.glob("sochat-*.tar.gz")

    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
    wanted = _data_files()
    assert "sochat/web/apidocs/swagger-ui-bundle.js" in wanted  # the list is the real tree
    missing = [n for n in wanted if n not in names]
    assert not missing, missing
    migrations = sorted(p.name for p in (SRC / "storage/migrations/versions").glob("*.py"))
    for name in migrations:
        assert f"sochat/storage/migrations/versions/{name}" in names
    assert "sochat/storage/migrations/env.py" in names
    with tarfile.open(sdist) as tar:
        sdist_names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    missing = [n for n in wanted if "src/" + n not in sdist_names]
    assert not missing, missing

    # A clean environment: nothing but the wheel and its dependencies.
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    bin_dir = venv / "bin"
    _run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(wheel)])
    assert _run([str(bin_dir / "sochat"), "--version"]).strip() == f"sochat {version}"
    # tzdata ships the zones sochat names (SO-TimeZone), also where the system has none.
    _run([str(bin_dir / "python"), "-c", "import zoneinfo; zoneinfo.ZoneInfo('Europe/Oslo')"])

    port = free_port()
    work = tmp_path / "run"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOCHAT_", "PYTHONPATH"))}
    log = (work / "server.log").open("wb")
    proc = subprocess.Popen(
        [str(bin_dir / "sochat"), "serve", "--demo", "--port", str(port)],
        cwd=work,  # outside the checkout: the installed package must be all it needs
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, (work / "server.log").read_text()
            assert time.monotonic() < deadline, (work / "server.log").read_text()
            time.sleep(0.2)
        r = httpx.get(
            base + "/api/v1/ChatSession/default", headers={"Authorization": TJE0, "Accept-Language": "sv"}
        )
        assert r.status_code == 200, r.text
        assert "ChatSessionId" in r.text
        assert httpx.get(base + "/api/v1/docs/swagger-ui-bundle.js").status_code == 200
        assert (work / "sochat.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
