#!/usr/bin/python3
"""Writes every ```cpp block of the given Markdown files that is a whole
program (it defines `int main(`) to OUT/<page>_<k>.cpp, k counting the page's
C++ blocks from 1, with a #line directive so that a compiler's errors name
the page and its line. Prints the program names, ';'-separated (a CMake
list). A file is rewritten only when its text changes (no needless rebuild).

usage: extract_programs.py --out OUT PAGE.md...
"""
import argparse
import os
import re
import sys

FENCE = re.compile(r"^```cpp[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)


def programs(path):
    text = open(path, encoding="utf-8").read()
    stem = re.sub(r"[^A-Za-z0-9_]", "_", os.path.splitext(os.path.basename(path))[0])
    for k, m in enumerate(FENCE.finditer(text), 1):
        body = m.group(1)
        if re.search(r"^\s*int\s+main\s*\(", body, re.M):
            first_line = text.count("\n", 0, m.start(1)) + 1
            yield f"{stem}_{k}", f'#line {first_line} "{os.path.abspath(path)}"\n{body}'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("pages", nargs="+")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    names = []
    for page in args.pages:
        for name, source in programs(page):
            target = os.path.join(args.out, name + ".cpp")
            old = open(target, encoding="utf-8").read() if os.path.exists(target) else None
            if old != source:
                with open(target, "w", encoding="utf-8") as f:
                    f.write(source)
            names.append(name)
    if len(set(names)) != len(names):
        sys.exit(f"extract_programs: two pages share a name: {names}")
    print(";".join(names))


main()
