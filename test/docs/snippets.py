"""Turns every ```cpp block of the given Markdown files into a function of one C++ program.

Usage: snippets.py OUT.cpp DOC.md...   Each block becomes the body of a function (tapeless, <iostream>
and <cmath> in scope); main() runs them all in order and prints where each comes from, so a snippet
that stops compiling breaks the build and one that throws fails the test. A block that starts with a
template (user code such as `template <class T> T energy(...)`) is a declaration: it goes at
namespace scope, before every function, for the blocks after it to call."""
import pathlib
import re
import sys

out, docs = sys.argv[1], sys.argv[2:]
functions, calls, declarations = [], [], []
for doc in docs:
    text = pathlib.Path(doc).read_text()
    for m in re.finditer(r"^```cpp\n(.*?)^```", text, re.S | re.M):
        line = text.count("\n", 0, m.start()) + 1
        name = f"snippet_{len(functions)}"
        # Include lines shown for the reader go to the top of the program.
        body = "".join(l for l in m.group(1).splitlines(True) if not l.startswith("#include"))
        if body.lstrip().startswith("template"):
            declarations.append(f"// {pathlib.Path(doc).name}:{line}\n{body}")
            continue
        functions.append(f"// {pathlib.Path(doc).name}:{line}\nstatic void {name}() {{\n{body}}}\n")
        calls.append(f'  std::cout << "-- {pathlib.Path(doc).name}:{line}\\n";\n  {name}();\n')
if not functions:
    sys.exit("no ```cpp blocks found in " + " ".join(docs))
pathlib.Path(out).write_text(
    "// Generated from the docs by test/docs/snippets.py: do not edit.\n"
    "#include <cmath>\n#include <iostream>\n#include <vector>\n#include <tapeless/tapeless.hpp>\n\n"
    + "\n".join(declarations) + "\n"
    + "\n".join(functions)
    + "\nint main() {\n" + "".join(calls) + "  return 0;\n}\n")
