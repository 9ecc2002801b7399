#!/usr/bin/env python3
"""Lists the longest C++ function bodies under the given folders, and fails (exit 1) if any is
longer than --max lines: our rule is that no function in engine/ or app/ passes 80.

A body is counted from the line that opens it to the line that closes it. It is found by
brace depth, with strings, characters and comments skipped; a brace opens a function when
the text before it on its line closes a parameter list and is not a control statement, a
lambda or a type.
"""
import argparse
import pathlib
import re
import sys

CONTROL = re.compile(r"^\s*(\}\s*)?(if|else|for|while|switch|catch|do|try)\b")
TYPE = re.compile(r"^\s*(struct|class|union|enum|namespace)\b|\bextern\s+\"C\"")


def code_only(line, in_comment):
    """The line with comments, strings and character literals blanked; and whether a /* */
    comment is still open at its end."""
    out, i = [], 0
    while i < len(line):
        if in_comment:
            end = line.find("*/", i)
            if end < 0:
                return "".join(out), True
            i, in_comment = end + 2, False
        elif line.startswith("//", i):
            break
        elif line.startswith("/*", i):
            in_comment, i = True, i + 2
        elif line[i] in "\"'":
            quote, i = line[i], i + 1
            while i < len(line) and line[i] != quote:
                i += 2 if line[i] == "\\" else 1
            out.append(quote + quote)
            i += 1
        else:
            out.append(line[i])
            i += 1
    return "".join(out), in_comment


def opens_function(before):
    if ")" not in before or CONTROL.search(before) or TYPE.search(before):
        return False
    return "](" not in before and "] (" not in before and not before.rstrip().endswith("=")


def functions(path):
    """Yields (first line, length, signature) for each function body in the file."""
    lines = path.read_text(errors="replace").split("\n")
    depth, in_comment, stack = 0, False, []  # stack: (depth, first line, signature) of open bodies
    previous = ""
    for number, raw in enumerate(lines, 1):
        code, in_comment = code_only(raw, in_comment)
        for col, ch in enumerate(code):
            if ch == "{":
                before = code[:col] if code[:col].strip() else previous
                if not stack and opens_function(before):
                    stack.append((depth, number, (before if code[:col].strip() else previous).strip()))
                depth += 1
            elif ch == "}":
                depth -= 1
                if stack and stack[-1][0] == depth:
                    _, first, signature = stack.pop()
                    yield first, number - first + 1, signature
        if code.strip():
            previous = code


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+", type=pathlib.Path)
    parser.add_argument("--max", type=int, default=80, help="the longest a function may be (default 80)")
    parser.add_argument("--top", type=int, default=10, help="how many of the longest to list (default 10)")
    args = parser.parse_args()
    found = []
    for folder in args.folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".cpp", ".h", ".cc") and path.is_file():
                found += [(length, f"{path}:{first}", signature[:90]) for first, length, signature in functions(path)]
    found.sort(reverse=True)
    for length, where, signature in found[: args.top]:
        print(f"{length:5}  {where}  {signature}")
    too_long = [f for f in found if f[0] > args.max]
    print(f"{len(found)} functions, {len(too_long)} longer than {args.max} lines")
    return 1 if too_long else 0


if __name__ == "__main__":
    sys.exit(main())
