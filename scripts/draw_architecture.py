"""Draw the app's structure from its imports: docs/architecture.md's diagram, made from the code.

Each box is a folder of ``index_tts`` (a package of its own where it has one: ``engines/kokoro``,
``interface/api``...), with its number of modules; an arrow is "imports from". The import graph is
grimp's (import-linter's own), so the drawing and the layer contracts read the same imports.

    python scripts/draw_architecture.py           # rewrite the diagram in docs/architecture.md
    python scripts/draw_architecture.py --check   # exit 1 when the diagram is not the code as it is
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- diagram: made by scripts/draw_architecture.py -->", "<!-- end of diagram -->"
# Layers top to bottom, as in pyproject.toml's contract; each row of the drawing is one layer.
LAYERS = [["interface"], ["ops", "serving"], ["voice"], ["engines"], ["prosody"], ["frontend"], ["common"]]
SUBPACKAGES = {"interface": ("api", "ui"), "engines": ("kokoro", "indextts2")}


def box(module: str) -> str:
    """The box a module is drawn in: its top folder, or the subpackage of it that has its own box."""
    parts = module.split(".")[1:]
    if not parts:
        return "index_tts"
    top = parts[0]
    if len(parts) > 1 and parts[1] in SUBPACKAGES.get(top, ()):
        return f"{top}/{parts[1]}"
    return top


def diagram() -> str:
    """A Mermaid flowchart of the boxes and the imports between them."""
    graph = grimp.build_graph("index_tts")
    layered = {name for layer in LAYERS for name in layer}
    modules = sorted(m for m in graph.modules if box(m).split("/")[0] in layered)  # not the package's own root
    sizes = Counter(box(m) for m in modules)
    edges = sorted(
        {(box(m), box(d)) for m in modules for d in graph.find_modules_directly_imported_by(m) if box(d) in sizes}
        - {(name, name) for name in sizes}
    )
    node = {name: name.replace("/", "_") for name in sizes}
    lines = ["```mermaid", "flowchart TB"]
    for depth, layer in enumerate(LAYERS):
        members = [n for n in sorted(sizes) if n.split("/")[0] in layer]
        lines.append(f'  subgraph L{depth}["{" | ".join(layer)}"]')
        lines += [f'    {node[n]}["{n}<br/>{sizes[n]} modules"]' for n in members]
        lines.append("  end")
    lines += [f"  {node[a]} --> {node[b]}" for a, b in edges]
    lines.append("```")
    return "\n".join(lines)


def with_diagram(text: str, drawn: str) -> str:
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return f"{text[:start]}\n{drawn}\n{text[end:]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only say whether docs/architecture.md is current")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))  # grimp imports nothing, but finds the package on the path
    text = DOC.read_text(encoding="utf-8")
    updated = with_diagram(text, diagram())
    if args.check:
        if updated != text:
            print("docs/architecture.md's diagram is out of date: run python scripts/draw_architecture.py", file=sys.stderr)
            return 1
        print("docs/architecture.md's diagram is current")
        return 0
    DOC.write_text(updated, encoding="utf-8")
    print(f"wrote the diagram into {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
