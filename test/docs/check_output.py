"""Runs the docs' snippets program and compares what it prints with the numbers the docs show.

Usage: check_output.py EXPECT.json SNIPPETS_EXE   (both written by the build from snippets.py)

The rule: for a snippet source line that writes to std::cout, ends its statement on that line, and
has a trailing `//` comment containing at least one number, the numbers the statement prints (all the
numbers in what it wrote, in order, over every time it ran: a statement in a loop prints its numbers
once per pass) must equal the LAST that-many numbers of the comment, each within a relative tolerance
of 1e-5 (plus an absolute 1e-12, for zeros); `inf`, `-inf` and `nan` count as numbers and must match
exactly. So `// 2 sin(x) cos(x) = 0.14112` checks one printed number against 0.14112, and the words
and formulas before it are free. It is a failure when
  - the comment has fewer numbers than the statement printed (the doc shows less than the code prints),
  - a number differs,
  - the statement printed no number at all, or never ran (the doc shows output that never appears),
  - a line that writes to std::cout and has a number in its comment cannot be checked (its statement
    does not start with std::cout at the start of a statement, or does not end on that line).
A comment without any number (`// the same value`) is not checked. Besides, the program must exit
with 0 and write nothing to stderr. Every failure names the doc's file:line, the numbers expected and
what was printed.

How the output is attributed: snippets.py wraps each statement that starts with std::cout in
`{ begin("docs/guide.md:119"); ...; end("docs/guide.md:119"); }`, which print the marker lines
"\\n@@doc docs/guide.md:119@@\\n" and "\\n@@end docs/guide.md:119@@\\n" (the key is the line where the
statement ends), and writes each statement's comment to EXPECT.json."""
import json
import math
import re
import subprocess
import sys

# A number as C++ streams print doubles (1, -2.5, 3e-05, 1.2e+10, inf, -inf, nan, -nan) or as the
# docs write them. Not inside a name (the 1 of `w1`, the 2 of `vec2`), not after a '.'; a trailing
# letter is allowed (`2e` of "[2e, 0]" is 2, `16th` is 16). "1 - 2" is 1 and 2: a sign must touch
# its digits.
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|(?i:inf|nan)(?!\w))")
MARKER = re.compile(r"\n@@(doc|end) ([^\n@]+)@@\n")
RELATIVE, ABSOLUTE = 1e-5, 1e-12


def numbers(text):
    return [m.group(0) for m in NUMBER.finditer(text)]


def same(shown, printed):
    a, b = float(shown), float(printed)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= RELATIVE * max(abs(a), abs(b)) + ABSOLUTE


def fmt(tokens):
    return "[" + ", ".join(tokens) + "]"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check_output.py EXPECT.json SNIPPETS_EXE")
    with open(sys.argv[1]) as f:
        expect = json.load(f)
    run = subprocess.run([sys.argv[2]], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = run.stdout.decode("utf-8", "replace")
    err = run.stderr.decode("utf-8", "replace")
    failures = []

    # What each statement printed, by the doc line it ends on; one piece per time it ran. Statements
    # nest (a function a statement calls prints too): output goes to the innermost one.
    printed, running, pos = {}, [], 0  # running: [where, text] of the statements begun, not ended
    outside = []
    for m in MARKER.finditer(out):
        (running[-1][1] if running else outside).append(out[pos:m.start()])
        kind, where = m.groups()
        if kind == "doc":
            running.append((where, []))
        elif running and running[-1][0] == where:
            printed.setdefault(where, []).append("".join(running.pop()[1]))
        else:
            failures.append(f"{where}: an end marker without its begin (the output is garbled)")
        pos = m.end()
    (running[-1][1] if running else outside).append(out[pos:])
    for where, _ in running:
        failures.append(f"{where}: the statement did not finish (the program stopped in it)")
    if run.returncode != 0:
        headers = re.findall(r"-- (\S+:\d+)\n", "".join(outside))
        how = (f"signal {-run.returncode}" if run.returncode < 0 else f"code {run.returncode}")
        failures.append(f"the snippets program exited with {how}"
                        + (f" in or after the snippet at {headers[-1]}" if headers else ""))
    if err:
        failures.append("the snippets program wrote to stderr:\n" + err.rstrip())

    checked = 0
    for s in expect["statements"]:
        where, comment = s["where"], s["comment"]
        shown = numbers(comment or "")
        if not shown:
            continue  # no number in the comment (or no comment): nothing to compare
        if where not in printed:
            if run.returncode == 0:
                failures.append(f"{where}: the comment shows {fmt(shown)} but the statement never ran")
            continue
        text = "\n".join(printed[where])
        got = numbers(text)
        passes = f" (over {len(printed[where])} runs)" if len(printed[where]) > 1 else ""
        if not got:
            failures.append(f"{where}: the comment shows {fmt(shown)} but the statement printed no"
                            f" number{passes}: {text!r}")
            continue
        if len(got) > len(shown):
            failures.append(f"{where}: the statement printed {len(got)} numbers{passes} but the comment"
                            f" shows only {len(shown)}: expected {fmt(shown)}, printed {text!r}")
            continue
        want = shown[-len(got):]
        checked += 1
        bad = [i for i in range(len(got)) if not same(want[i], got[i])]
        if bad:
            failures.append(f"{where}: expected {fmt(want)}, printed {fmt(got)}{passes}"
                            f" (number {', '.join(str(i + 1) for i in bad)} differ"
                            f"{'s' if len(bad) == 1 else ''}; the statement wrote {text!r},"
                            f" the comment is {'//' + comment!r})")
        else:
            print(f"ok {where}: {fmt(got)}")
    for s in expect["unchecked"]:
        shown = numbers(s["comment"])
        if shown:
            failures.append(f"{s['where']}: the comment shows {fmt(shown)} but cannot be checked: {s['why']}")

    for f in failures:
        print("FAIL " + f)
    print(f"{checked} doc lines compared with what they print, {len(failures)} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
