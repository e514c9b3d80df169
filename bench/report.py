"""Shared by the benchmarks: markdown tables and replacing one section of BENCHMARKS.md."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"


def table(rows: list[dict]) -> str:
    """A markdown table with the keys of the first row as columns."""
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def write_section(heading: str, report: str, path: Path = BENCHMARKS) -> None:
    """Replace the section that starts with ``heading`` (a ``## `` line inside ``report``), or append it."""
    existing = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    head, found, rest = existing.partition(heading)
    tail = rest[rest.find("\n## ") :] if found and "\n## " in rest else ""
    path.write_text(head.rstrip() + "\n\n" + report.strip() + "\n" + tail, encoding="utf-8")
    print(f"\nwritten to {path}")


def report_only_args(doc: str) -> argparse.Namespace:
    """The command line of a benchmark whose only option is ``--no-write``; quiet logging."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md as it is")
    logging.basicConfig(level=logging.WARNING)
    return parser.parse_args()
