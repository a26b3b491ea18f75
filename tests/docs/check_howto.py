#!/usr/bin/env python3
"""Checks that docs/howto.md shows what its example programs really print.

A block the text shows as output is preceded by a marker:

    <!-- output: NAME np=N [args=A,B] [env=VAR=VALUE] -->
    ```text
    ...exactly what `mpirun -np N howto_NAME A B` prints on stdout...
    ```

`output-sample` instead of `output` marks a run whose line order is not
deterministic (processes printing at once): the real output must have the
same lines, and the lines of each source (the text before the first ':')
in the same order.

    check_howto.py [common options] run NAME NP     every block of NAME at NP ranks
    check_howto.py [common options] markers NAME... markers are well formed and cover NAME...

CTest runs it under pytest, each of those words as one --arg:
`pytest check_howto.py --arg=--howto=docs/howto.md ... --arg=run --arg=NAME --arg=2`.

`markers` also checks excerpts: a ```cpp block after `<!-- code: NAME -->`
must be lines of docs/examples/NAME.cpp, in the file's order (lines may be
left out between them; indentation is ignored).
"""
import argparse
import os
import re
import shlex
import subprocess
import sys

MARKER = re.compile(r"^<!--\s*(output|output-sample):\s*(.*?)\s*-->\s*$")
CODE = re.compile(r"^<!--\s*code:\s*([A-Za-z0-9_]+)\s*-->\s*$")


class Block:
    def __init__(self, kind, name, np, args, env, text, line):
        self.kind, self.name, self.np, self.args, self.env, self.text, self.line = kind, name, np, args, env, text, line

    def describe(self):
        extra = "".join(f" {k}={v}" for k, v in self.env.items())
        return f"howto.md:{self.line}: {self.name} np={self.np}{' ' + ' '.join(self.args) if self.args else ''}{extra}"


def parse(path):
    """The marked blocks of the file; raises ValueError on a malformed one."""
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks = []
    i = 0
    while i < len(lines):
        m = MARKER.match(lines[i])
        if not m:
            i += 1
            continue
        where = i + 1
        tokens = m.group(2).split()
        if not tokens:
            raise ValueError(f"howto.md:{where}: marker without an example name")
        name, np, args, env = tokens[0], None, [], {}
        for t in tokens[1:]:
            key, _, value = t.partition("=")
            if key == "np" and value.isdigit():
                np = int(value)
            elif key == "args" and value:
                args = value.split(",")
            elif key == "env" and "=" in value:
                var, _, val = value.partition("=")
                env[var] = val
            else:
                raise ValueError(f"howto.md:{where}: unknown marker field '{t}' (allowed: np=N, args=A,B, env=VAR=VALUE)")
        if np is None:
            raise ValueError(f"howto.md:{where}: marker without np=N")
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j >= len(lines) or lines[j].strip() != "```text":
            raise ValueError(f"howto.md:{where}: the marker must be followed by a ```text block")
        k = j + 1
        while k < len(lines) and lines[k].strip() != "```":
            k += 1
        if k >= len(lines):
            raise ValueError(f"howto.md:{where}: the ```text block is not closed")
        blocks.append(Block(m.group(1), name, np, args, env, lines[j + 1:k], where))
        i = k + 1
    return blocks


def code_excerpts(path, examples_dir):
    """Problems with the ```cpp excerpts marked `<!-- code: NAME -->`."""
    lines = open(path, encoding="utf-8").read().split("\n")
    problems, count = [], 0
    for i, line in enumerate(lines):
        m = CODE.match(line)
        if not m:
            continue
        count += 1
        where, name = i + 1, m.group(1)
        j = i + 1
        if j >= len(lines) or lines[j].strip() != "```cpp":
            problems.append(f"howto.md:{where}: the code marker must be followed by a ```cpp block")
            continue
        k = j + 1
        while k < len(lines) and lines[k].strip() != "```":
            k += 1
        source = os.path.join(examples_dir, name + ".cpp")
        if not os.path.exists(source):
            problems.append(f"howto.md:{where}: no docs/examples/{name}.cpp")
            continue
        file_lines = [l.strip() for l in open(source, encoding="utf-8").read().split("\n")]
        at = 0
        for n, excerpt in enumerate(lines[j + 1:k]):
            if not excerpt.strip():
                continue
            try:
                at = file_lines.index(excerpt.strip(), at) + 1
            except ValueError:
                problems.append(f"howto.md:{j + 2 + n}: not in {name}.cpp (after the lines before it): {excerpt.strip()!r}")
                break
    return problems, count


def normalise(text_lines):
    out = [line.rstrip() for line in text_lines]
    while out and not out[-1]:
        out.pop()
    return out


def run(opts, name, np, args, env):
    exe = os.path.join(opts.bin, "howto_" + name)
    cmd = [opts.mpirun, "-np", str(np)] + opts.flags + [exe] + args
    full_env = dict(os.environ)
    full_env.update(env)
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=opts.timeout)
    except subprocess.TimeoutExpired:
        return None, f"{shlex.join(cmd)} did not finish in {opts.timeout} s"
    if p.returncode != 0:
        return None, f"{shlex.join(cmd)} exited with {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    return normalise(p.stdout.split("\n")), None


def by_source(lines):
    groups = {}
    for line in lines:
        groups.setdefault(line.split(":", 1)[0], []).append(line)
    return groups


def compare(block, got):
    want = normalise(block.text)
    if block.kind == "output":
        if got == want:
            return None
        diff = [f"  text: {w!r}\n  real: {g!r}" for w, g in zip(want, got) if w != g][:5]
        return (f"{block.describe()}: the text differs from the real output "
                f"({len(want)} lines shown, {len(got)} printed)\n" + "\n".join(diff) +
                "\nreal output:\n" + "\n".join(got))
    if sorted(got) != sorted(want):
        return f"{block.describe()}: the sample's lines are not the lines printed\nreal output:\n" + "\n".join(got)
    if by_source(got) != by_source(want):
        return f"{block.describe()}: some source printed its lines in another order\nreal output:\n" + "\n".join(got)
    return None


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--howto", required=True)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--examples", default=os.path.join(os.path.dirname(__file__), "..", "..", "docs", "examples"))
    ap.add_argument("--mpirun", default="mpirun")
    ap.add_argument("--mpirun-flags", default="", help="a CMake list or a space-separated string")
    ap.add_argument("--timeout", type=float, default=45)
    ap.add_argument("command", choices=["run", "markers"])
    ap.add_argument("rest", nargs="*")
    opts = ap.parse_args(argv)
    opts.flags = [f for f in re.split(r"[;\s]+", opts.mpirun_flags) if f]
    try:
        blocks = parse(opts.howto)
    except ValueError as e:
        print(e)
        return 1

    if opts.command == "markers":
        known = set(opts.rest)
        problems = [f"{b.describe()}: no example '{b.name}' (built: {', '.join(sorted(known))})"
                    for b in blocks if b.name not in known]
        problems += [f"{b.describe()}: np={b.np} is not tested (CTest runs np=2 and np=4)"
                     for b in blocks if b.np not in (2, 4)]
        shown = {b.name for b in blocks}
        problems += [f"example '{n}' has no output block in howto.md" for n in sorted(known - shown)]
        code_problems, excerpts = code_excerpts(opts.howto, opts.examples)
        problems += code_problems
        for p in problems:
            print(p)
        print(f"{len(blocks)} output blocks, {excerpts} code excerpts, {len(problems)} problems")
        return 1 if problems else 0

    if len(opts.rest) != 2 or not opts.rest[1].isdigit():
        print("run: expected NAME NP")
        return 2
    name, np = opts.rest[0], int(opts.rest[1])
    mine = [b for b in blocks if b.name == name and b.np == np]
    failures = 0
    if not mine:  # not shown at this rank count: it must still run cleanly
        _, error = run(opts, name, np, [], {})
        if error:
            print(error)
            return 1
        print(f"{name} np={np}: ran (no block in the text at this rank count)")
        return 0
    for b in mine:
        got, error = run(opts, name, np, b.args, b.env)
        error = error or compare(b, got)
        if error:
            print(error)
            failures += 1
        else:
            print(f"{b.describe()}: {'same lines' if b.kind == 'output-sample' else 'same output'}")
    return 1 if failures else 0


def test_howto(argv):
    """Under pytest (how CTest runs it): the command line above, one --arg each."""
    assert main(argv) == 0, "see the lines printed above"


if __name__ == "__main__":
    sys.exit(main())
