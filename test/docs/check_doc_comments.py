"""Checks that every public declaration of the library has a `///` doc comment and a reference entry.

Usage: check_doc_comments.py INCLUDE_DIR REFERENCE_MD
       (e.g. check_doc_comments.py include docs/reference.md, from the source root)

What it scans: every *.hpp and *.h under INCLUDE_DIR/tapeless. A declaration is public when it
stands directly at the scope of namespace tapeless (or a nested namespace of it), not inside a
namespace named detail or ending in detail (`tapeless::detail::kernels` too), not inside
`namespace HWY_NAMESPACE` (the SIMD kernels of kernels/*-inl.h), and not inside a class or function
body. Also checked: the namespace alias `namespace tl = tapeless;` at global scope.

The rules, each failure named by file:line:
  1. A public declaration (a template, struct, class, concept, using alias, variable, function,
     operator, or a macro invocation that declares functions) is preceded by a comment block (the
     `//` lines directly above it, blank lines, `template <...>`, `requires ...`, attribute and
     preprocessor lines skipped) that contains at least one `///` line. A `template <...>` line may
     also sit between the comment and the declaration. A group of overloads of one name may share the
     comment of its first member: a declaration of the same name as the public declaration just
     before it needs none, nor does an operator after another of its kind (arithmetic, comparison,
     stream), nor an invocation of the macro invoked just before it. Forward declarations (`struct x;`), deduction guides (`x(V) -> x<V>;`),
     static_assert, `using namespace` and out-of-class definitions of members
     (`expr_base<D>::operator[]`, documented in the class) are not checked.
  2. Every public name found (not the names made by macro invocations) appears in REFERENCE_MD: an
     identifier as `tl::name`, or at the start of a table row's first cell (`| \\`name`), an operator as
     `operatorX` or as a whole token X inside some `...` span of the reference.

What it cannot see: members of public classes (access sections are not tracked), the names a macro
invocation declares (only that a comment stands above it), declarations produced by macros inside
other macros, and whether a comment says anything true."""
import pathlib
import re
import sys

OPERATOR_KIND = {}
for sym in ["+", "-", "*", "/", "+=", "-=", "*=", "/=", "%", "%="]:
    OPERATOR_KIND[sym] = "arithmetic"
for sym in ["==", "!=", "<", "<=", ">", ">=", "<=>"]:
    OPERATOR_KIND[sym] = "comparison"
for sym in ["<<", ">>"]:
    OPERATOR_KIND[sym] = "stream"


def strip_code(text):
    """The text with comments, string and character literals and preprocessor lines (with their
    continuations) replaced by spaces; newlines are kept, so offsets and line numbers match."""
    out = list(text)
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if c == "\n":
            at_line_start = True
            i += 1
            continue
        if at_line_start and c in " \t":
            i += 1
            continue
        if at_line_start and c == "#":
            # A preprocessor line and its backslash continuations.
            while i < n:
                if text[i] == "\n":
                    if i > 0 and text[i - 1] == "\\":
                        i += 1
                        continue
                    break
                out[i] = " "
                i += 1
            continue
        at_line_start = False
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                out[i] = " "
                i += 1
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            for k in range(i, j):
                if out[k] != "\n":
                    out[k] = " "
            i = j
            continue
        if c == '"' and i > 0 and text[i - 1] == "R":
            m = re.match(r'"([^(]*)\(', text[i:])
            if m:
                end = text.find(")" + m.group(1) + '"', i)
                end = n if end < 0 else end + len(m.group(1)) + 2
                for k in range(i, end):
                    if out[k] != "\n":
                        out[k] = " "
                i = end
                continue
        if c in "\"'":
            # A digit separator (1'000) is not a character literal.
            if c == "'" and i > 0 and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum():
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            for k in range(i, min(j + 1, n)):
                out[k] = " "
            i = j + 1
            continue
        i += 1
    return "".join(out)


def line_of(code, pos):
    return code.count("\n", 0, pos) + 1


def statement_end(code, start):
    """Where the head of the statement at `start` ends: the first `{` or `;` outside parentheses,
    brackets and template angle brackets are not tracked (a `{` or `;` cannot occur inside them in a
    head), or, for a macro invocation, the `)` closing its arguments."""
    depth = 0
    i = start
    macro = re.match(r"[A-Z][A-Z0-9_]*\s*\(", code[start:])
    while i < len(code):
        c = code[i]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
            if macro and depth == 0:
                return i + 1, True
        elif depth == 0 and c in "{;":
            return i, False
        i += 1
    return i, False


def declared_name(head):
    """The name a statement head declares, or None when it declares none to check."""
    h = " ".join(head.split())
    h = re.sub(r"^template\s*<", "<", h)
    # Drop leading template parameter lists (nested angle brackets).
    while h.startswith("<"):
        depth = 0
        for k, c in enumerate(h):
            depth += {"<": 1, ">": -1}.get(c, 0)
            if depth == 0:
                h = h[k + 1:].strip()
                break
        else:
            return None
        if h.startswith("template"):
            h = re.sub(r"^template\s*<", "<", h)
    h = re.sub(r"^requires\b.*?(?=\b(struct|class|concept|using|inline|constexpr|auto|friend|void|bool)\b)", "", h)
    h = re.sub(r"\[\[.*?\]\]\s*", "", h)
    m = re.search(r"\boperator\s*(<=>|<<=|>>=|<<|>>|==|!=|<=|>=|\+=|-=|\*=|/=|%=|\(\)|\[\]|[-+*/%<>!~&|^])", h)
    if m:
        return "operator" + m.group(1)
    m = re.match(r"(?:struct|class|union|enum(?:\s+class)?)\s+(?:\[\[.*?\]\]\s*)?(\w+)", h)
    if m:
        return m.group(1)
    m = re.match(r"(?:using|concept)\s+(\w+)\s*=", h)
    if m:
        return m.group(1)
    m = re.match(r"namespace\s+(\w+)\s*=", h)
    if m:
        return m.group(1)
    # A function (the name before its first '(') or a variable (the name before '=', '{' or the end).
    m = re.search(r"(\w+)\s*\(", h)
    first_eq = h.find("=")
    if m and (first_eq < 0 or m.start() < first_eq):
        return m.group(1)
    m = re.search(r"(\w+)\s*(?:=|\{|$)", h)
    return m.group(1) if m else None


def skipped_head(head, terminator):
    h = " ".join(head.split())
    h = re.sub(r"^template\s*<[^;{]*?>\s*(?=(struct|class|\w+\s*\())", "", h)
    if h.startswith(("static_assert", "using namespace", "extern template")):
        return True
    if terminator == ";" and re.fullmatch(r"(struct|class)\s+\w+\s*", h):  # a forward declaration
        return True
    if re.match(r"(explicit\s+)?\w+\s*\(.*\)\s*->", h):  # a deduction guide
        return True
    if re.search(r"\w+\s*(<[^;{]*>)?\s*::\s*(operator\b|~?\w+\s*\()", h.split("(")[0] + "("):
        return True  # an out-of-class definition of a member, documented where the class declares it
    return False


COMMENT_SKIP = re.compile(r"\s*($|template\s*<|requires\b|\[\[|#\s*(if|ifdef|ifndef|else|elif|endif)\b)")


def documented(lines, idx):
    """Whether the declaration starting on lines[idx] (0-based) has a `///` comment above it (or just
    after its template lines)."""
    # A comment between `template <...>` lines and the declaration itself.
    k = idx
    while k < len(lines) and re.match(r"\s*(template\s*<|requires\b)", lines[k]):
        k += 1
        if k < len(lines) and lines[k].lstrip().startswith("///"):
            return True
    k = idx - 1
    while k >= 0 and not lines[k].lstrip().startswith("//") and COMMENT_SKIP.match(lines[k]):
        k -= 1
    while k >= 0 and lines[k].lstrip().startswith("//"):
        if lines[k].lstrip().startswith("///"):
            return True
        k -= 1
    return False


def scan(path, rel):
    """Yields (line, name, is_macro, ok) for each public declaration of one header."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    code = strip_code(text)
    stack = []  # one entry per open '{': ("namespace", [names]) or ("other", None)
    results = []
    previous = None  # (name, kind) of the last public declaration, for overload groups
    i, n = 0, len(code)
    at_statement_start = True

    def public_scope():
        names = [p for kind, parts in stack if kind == "namespace" for p in parts]
        if any(kind != "namespace" for kind, _ in stack):
            return False
        if not names or names[0] != "tapeless":
            return False
        return not any(p == "detail" or p.endswith("detail") or p == "HWY_NAMESPACE" for p in names)

    while i < n:
        c = code[i]
        if c.isspace():
            i += 1
            continue
        if c == "}":
            if stack:
                stack.pop()
            i += 1
            at_statement_start = all(kind == "namespace" for kind, _ in stack)
            continue
        if c == ";":
            i += 1
            at_statement_start = all(kind == "namespace" for kind, _ in stack)
            continue
        if at_statement_start and all(kind == "namespace" for kind, _ in stack):
            m = re.match(r"(inline\s+)?namespace\s+([\w:]*)\s*\{", code[i:])
            if m:
                stack.append(("namespace", [p for p in m.group(2).split("::") if p]))
                i += m.end()
                at_statement_start = True
                continue
            end, macro = statement_end(code, i)
            head = code[i:end]
            line = line_of(code, i)
            is_alias_tl = not stack and re.match(r"namespace\s+tl\s*=\s*tapeless\s*$", " ".join(head.split()))
            if (public_scope() or is_alias_tl) and not skipped_head(head, code[end:end + 1]):
                name = None if macro else declared_name(head)
                if macro:
                    kind = "macro " + head.split("(")[0].strip()
                elif name and name.startswith("operator"):
                    kind = OPERATOR_KIND.get(name[len("operator"):], name)
                else:
                    kind = name
                ok = documented(lines, line - 1)
                grouped = not ok and previous is not None and kind is not None and previous == kind
                results.append((line, name, macro, ok or grouped))
                previous = kind
            # Skip to the end of the head; a '{' there opens a body (a class's or function's).
            i = end
            if macro:
                at_statement_start = True
                continue
            if i < n and code[i] == "{":
                stack.append(("other", None))
                i += 1
                at_statement_start = False
                continue
            at_statement_start = False
            continue
        if c == "{":
            stack.append(("other", None))
        i += 1
    return results


def reference_has(name, ref, spans):
    if name.startswith("operator"):
        sym = name[len("operator"):]
        return name in ref or any(sym in re.split(r"[\s,]+", s) for s in spans)
    return (re.search(r"tl::" + re.escape(name) + r"\b", ref) is not None or
            re.search(r"^\|\s*`" + re.escape(name) + r"\b", ref, re.M) is not None)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check_doc_comments.py INCLUDE_DIR REFERENCE_MD")
    include = pathlib.Path(sys.argv[1])
    ref = pathlib.Path(sys.argv[2]).read_text(encoding="utf-8")
    spans = re.findall(r"`([^`\n]+)`", ref)
    headers = sorted(p for p in (include / "tapeless").rglob("*") if p.suffix in (".hpp", ".h"))
    if not headers:
        sys.exit(f"no headers under {include / 'tapeless'}")
    undocumented, missing, count = [], {}, 0
    for path in headers:
        rel = path.relative_to(include).as_posix()
        for line, name, macro, ok in scan(path, rel):
            count += 1
            what = f"the macro invocation" if macro else (name or "a declaration")
            if not ok:
                undocumented.append(f"include/{rel}:{line}: {what} has no /// doc comment above it")
            if name and not macro and not reference_has(name, ref, spans):
                missing.setdefault(name, f"include/{rel}:{line}")
    for u in undocumented:
        print(u)
    for name, where in sorted(missing.items()):
        print(f"{where}: the public name {name} is not in {sys.argv[2]}")
    if undocumented or missing:
        print(f"FAILED: {len(undocumented)} declarations without a doc comment, {len(missing)} names missing "
              f"from the reference ({count} public declarations scanned)")
        sys.exit(1)
    print(f"ok: {count} public declarations in {len(headers)} headers, each with a /// comment and in the reference")


if __name__ == "__main__":
    main()
