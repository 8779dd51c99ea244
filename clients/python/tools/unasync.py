"""Generate the synchronous client from the asynchronous one.

    python clients/python/tools/unasync.py          # rewrite _sync_client.py
    python clients/python/tools/unasync.py --check  # exit 1 when it is out of date

Lines marked ``# async-only`` are dropped; the rest is a token rewrite.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "sochat_client"
SOURCE = PACKAGE / "_async_client.py"
TARGET = PACKAGE / "_sync_client.py"

REPLACEMENTS: list[tuple[str, str]] = [
    (r"\basync def\b", "def"),
    (r"\basync for\b", "for"),
    (r"\basync with\b", "with"),
    (r"\bawait ", ""),
    (r"\bAsyncIterator\b", "Iterator"),
    (r"\bAsync(?=[A-Z])", ""),
    (r"\b_AsyncCore\b", "_SyncCore"),
    (r"\baiter_lines\b", "iter_lines"),
    (r"\baread\b", "read"),
    (r"\baclose\b", "close"),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\basyncio\.sleep\b", "time.sleep"),
    (r"^import asyncio$", "import time"),
    (r"^import inspect\n", ""),
]

HEADER = '''"""The synchronous client: generated from ``_async_client.py`` by ``tools/unasync.py``.
Do not edit; change the asynchronous client and run the tool."""
'''


def generate() -> str:
    text = SOURCE.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines(keepends=True) if not line.rstrip().endswith("# async-only")]
    text = "".join(lines)
    # Replace the module docstring.
    text = HEADER + text[text.index('"""', 3) + 3 :].lstrip("\n").join(["\n", ""])
    for pattern, repl in REPLACEMENTS:
        text = re.sub(pattern, repl, text, flags=re.M)
    return text


def main(argv: list[str]) -> int:
    wanted = generate()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != wanted:
            print(f"{TARGET} is out of date: run python {Path(__file__).as_posix()}", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
