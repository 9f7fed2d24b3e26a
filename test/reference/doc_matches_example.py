"""Checks that every ```cpp block of a Markdown file appears, line for line, in a C++ program.

Usage: doc_matches_example.py DOC.md PROGRAM.cpp

docs/from-tensorflow.md shows the reference cases as blocks cut from examples/quickstart.cpp, which
compiles them and compares every result with the numbers the page quotes. This test keeps the page
from drifting away from that program: each block's non-blank lines, indentation aside, must occur as
consecutive non-blank lines of the program."""
import pathlib
import re
import sys

doc, program = (pathlib.Path(p) for p in sys.argv[1:3])
text = doc.read_text()
code = [l.strip() for l in program.read_text().splitlines() if l.strip()]
blocks = list(re.finditer(r"^```cpp\n(.*?)^```", text, re.S | re.M))
if not blocks:
    sys.exit(f"no ```cpp blocks in {doc}")
failed = 0
for m in blocks:
    lines = [l.strip() for l in m.group(1).splitlines() if l.strip() and not l.startswith("#include")]
    n = len(lines)
    if not any(code[i : i + n] == lines for i in range(len(code) - n + 1)):
        failed += 1
        line = text.count("\n", 0, m.start()) + 1
        # Name the first line that has no match, to show where the two differ.
        missing = next((l for l in lines if l not in code), "(every line exists, but not in this order)")
        print(f"{doc.name}:{line}: block not found in {program.name}; first unmatched line:\n    {missing}")
print(f"{len(blocks) - failed} of {len(blocks)} blocks of {doc.name} found in {program.name}")
sys.exit(1 if failed else 0)
