"""Turns every ```cpp block of the given Markdown files into a function of one C++ program.

Usage: snippets.py OUT.cpp DOC.md...   Each block becomes the body of a function (tapeless, <iostream>
and <cmath> in scope); main() runs them all in order and prints where each comes from, so a snippet
that stops compiling breaks the build and one that throws fails the test. A block that starts with a
template (user code such as `template <class T> T energy(...)`) is a declaration: it goes at
namespace scope, before every function, for the blocks after it to call.

What the snippets print is compared with the numbers their comments show (the rule is stated in
check_output.py): each statement that starts with std::cout is wrapped in markers naming the doc line
it ends on, `{ tl_doc_marks::begin("docs/guide.md:119"); std::cout << ...; tl_doc_marks::end(...); }`,
and OUT.json (OUT.cpp with the suffix .json) lists those statements with their line's trailing
comment, and the lines that write to std::cout with a comment but could not be wrapped, for
check_output.py to read."""
import json
import os
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def scan(text):
    """Classifies each character of C++ source: 'c' code, 's' inside a string or character literal,
    'm' comment. Returns the classes and, per line, the text of its trailing // comment (or None)."""
    kind, comments = ["c"] * len(text), {}
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            comments[text.count("\n", 0, i)] = text[i + 2:j]
            kind[i:j] = ["m"] * (j - i)
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            kind[i:j] = ["m"] * (j - i)
            i = j
        elif ch == '"' or ch == "'":
            word = re.search(r"\w*$", text[:i]).group(0)
            if ch == "'" and word[:1].isdigit():  # a digit separator: 1'000
                i += 1
                continue
            if ch == '"' and word.endswith("R"):  # a raw string: R"delim(...)delim"
                delim = text[i + 1:text.find("(", i)]
                j = text.find(")" + delim + '"', i)
                j = n if j < 0 else j + len(delim) + 2
            else:
                j = i + 1
                while j < n and text[j] != ch and text[j] != "\n":
                    j += 2 if text[j] == "\\" else 1
                j += 1
            kind[i:j] = ["s"] * (min(j, n) - i)
            i = j
        else:
            i += 1
    return kind, comments


def instrument(body, where):
    """Wraps each statement of body that starts with std::cout in begin/end markers naming the doc
    line it ends on (where(i) names line i of body). Returns the new body, the statements
    ({"where", "comment"}, one per line) and the lines that write to std::cout with a comment but are
    not the last line of a wrapped statement ({"where", "comment", "why"})."""
    kind, comments = scan(body)
    inserts, statements, ends, covered_to = [], {}, set(), -1
    cout_lines = {}
    for m in re.finditer(r"\bstd::cout\b", body):
        start = m.start()
        if kind[start] != "c":
            continue
        line = body.count("\n", 0, start)
        if start < covered_to:  # inside a statement already wrapped (a lambda in it)
            continue
        # The statement must start here: after ; { } ), else or do, or at the start of the body.
        k = start - 1
        while k >= 0 and (kind[k] == "m" or body[k].isspace()):
            k -= 1
        before = re.search(r"\w*$", body[:k + 1]).group(0)
        if k >= 0 and body[k] not in ";{})" and before not in ("else", "do"):
            cout_lines.setdefault(line, "std::cout is not at the start of a statement")
            continue
        depth, end = 0, None
        for j in range(start, len(body)):
            if kind[j] != "c":
                continue
            if body[j] in "([{":
                depth += 1
            elif body[j] in ")]}":
                depth -= 1
                if depth < 0:
                    break
            elif body[j] == ";" and depth == 0:
                end = j
                break
        if end is None:
            cout_lines.setdefault(line, "the statement's end was not found")
            continue
        last = body.count("\n", 0, end)
        key = where(last)
        inserts.append((start, f'{{ tl_doc_marks::begin("{key}"); '))
        inserts.append((end + 1, f' tl_doc_marks::end("{key}"); }}'))
        statements.setdefault(key, {"where": key, "comment": comments.get(last)})
        ends.add(last)
        covered_to = end
        for l in range(line, last):
            cout_lines.setdefault(l, f"the statement ends on line {where(last).rsplit(':', 1)[1]},"
                                     " the comment belongs there")
    unchecked = [{"where": where(l), "comment": comments[l], "why": why}
                 for l, why in sorted(cout_lines.items()) if l not in ends and l in comments]
    for pos, text in sorted(inserts, key=lambda p: p[0], reverse=True):
        body = body[:pos] + text + body[pos:]
    return body, list(statements.values()), unchecked


out, docs = sys.argv[1], sys.argv[2:]
functions, calls, declarations, statements, unchecked = [], [], [], [], []
for doc in docs:
    text = pathlib.Path(doc).read_text()
    name = os.path.relpath(pathlib.Path(doc).resolve(), ROOT)
    for m in re.finditer(r"^```cpp\n(.*?)^```", text, re.S | re.M):
        line = text.count("\n", 0, m.start()) + 1
        body, found, lost = instrument(m.group(1), lambda i, line=line: f"{name}:{line + 1 + i}")
        statements += found
        unchecked += lost
        # Include lines shown for the reader go to the top of the program.
        body = "".join(l for l in body.splitlines(True) if not l.startswith("#include"))
        if body.lstrip().startswith("template"):
            declarations.append(f"// {name}:{line}\n{body}")
            continue
        fn = f"snippet_{len(functions)}"
        functions.append(f"// {name}:{line}\nstatic void {fn}() {{\n{body}}}\n")
        calls.append(f'  std::cout << "-- {name}:{line}" << std::endl;\n  {fn}();\n')
if not functions:
    sys.exit("no ```cpp blocks found in " + " ".join(docs))
pathlib.Path(out).write_text(
    "// Generated from the docs by test/docs/snippets.py: do not edit.\n"
    "#include <cmath>\n#include <iostream>\n#include <vector>\n#include <tapeless/tapeless.hpp>\n\n"
    "// Marks what a statement prints, for check_output.py.\n"
    "namespace tl_doc_marks {\n"
    'inline void begin(char const* where) { std::cout << "\\n@@doc " << where << "@@\\n"; }\n'
    'inline void end(char const* where) { std::cout << "\\n@@end " << where << "@@\\n"; }\n'
    "}  // namespace tl_doc_marks\n\n"
    + "\n".join(declarations) + "\n"
    + "\n".join(functions)
    + "\nint main() {\n" + "".join(calls) + "  return 0;\n}\n")
pathlib.Path(out).with_suffix(".json").write_text(
    json.dumps({"statements": statements, "unchecked": unchecked}, indent=1) + "\n")
