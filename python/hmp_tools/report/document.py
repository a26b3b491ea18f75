"""A tiny document model rendered twice: Markdown and self-contained HTML.

Building the report once as blocks keeps report.md and report.html in step;
HTML inlines every figure as a base64 data URI so it reads offline, alone.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path


class Document:
    def __init__(self, title: str):
        self.title = title
        self.blocks = []

    def heading(self, level: int, text: str):
        self.blocks.append(("heading", level, text))

    def para(self, text: str, strong=False):
        self.blocks.append(("para", text, strong))

    def bullets(self, items):
        self.blocks.append(("bullets", list(items)))

    def table(self, headers, rows, cls=None):
        self.blocks.append(("table", list(headers), [list(r) for r in rows], cls))

    def fold(self, summary: str):
        """What follows, until unfold(), is folded away (HTML <details>)."""
        self.blocks.append(("fold", summary))

    def unfold(self):
        self.blocks.append(("unfold",))

    def figure(self, relpath: str, caption: str):
        self.blocks.append(("figure", relpath, caption))

    # -- Markdown -----------------------------------------------------------

    def markdown(self) -> str:
        out = [f"# {self.title}", ""]
        for block in self.blocks:
            kind = block[0]
            if kind == "heading":
                out += ["#" * (block[1] + 1) + " " + block[2], ""]
            elif kind == "para":
                out += [f"**{block[1]}**" if block[2] else block[1], ""]
            elif kind == "bullets":
                out += [f"- {item}" for item in block[1]] + [""]
            elif kind == "table":
                headers, rows = block[1], block[2]
                out.append("| " + " | ".join(map(_md_cell, headers)) + " |")
                out.append("|" + "|".join("---" for _ in headers) + "|")
                out += ["| " + " | ".join(map(_md_cell, r)) + " |" for r in rows]
                out.append("")
            elif kind == "figure":
                out += [f"![{block[2]}]({block[1]})", "", f"*{block[2]}*", ""]
            elif kind == "fold":
                out += ["<details>", f"<summary>{html.escape(block[1])}</summary>", ""]
            elif kind == "unfold":
                out += ["</details>", ""]
        return "\n".join(out)

    # -- HTML ---------------------------------------------------------------

    def html(self, base: Path) -> str:
        esc = html.escape
        out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
               f"<title>{esc(self.title)}</title>", f"<style>{_CSS}</style>",
               "</head><body>", f"<h1>{esc(self.title)}</h1>"]
        for block in self.blocks:
            kind = block[0]
            if kind == "heading":
                level = min(block[1] + 1, 6)
                out.append(f"<h{level}>{esc(block[2])}</h{level}>")
            elif kind == "para":
                text = esc(block[1])
                out.append(f'<p class="warn"><strong>{text}</strong></p>' if block[2]
                           else f"<p>{text}</p>")
            elif kind == "bullets":
                out.append("<ul>" + "".join(f"<li>{esc(str(i))}</li>" for i in block[1]) + "</ul>")
            elif kind == "table":
                head = "".join(f"<th>{esc(str(h))}</th>" for h in block[1])
                body = "".join("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in r) + "</tr>"
                               for r in block[2])
                cls = f' class="{esc(block[3])}"' if block[3] else ""
                out.append(f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            elif kind == "figure":
                data = base64.b64encode((base / block[1]).read_bytes()).decode("ascii")
                out.append(f'<figure><img alt="{esc(block[2])}" '
                           f'src="data:image/png;base64,{data}">'
                           f"<figcaption>{esc(block[2])}</figcaption></figure>")
            elif kind == "fold":
                out.append(f"<details><summary>{esc(block[1])}</summary>")
            elif kind == "unfold":
                out.append("</details>")
        out.append("</body></html>")
        return "\n".join(out) + "\n"


def _md_cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


_CSS = """
body { font-family: sans-serif; max-width: 1200px; margin: 1em auto; padding: 0 1em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 2px 6px; text-align: right; }
th { background: #eee; }
td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; }
figcaption { font-style: italic; }
.warn { color: #a00; }
table.findings { font-size: 1em; }
table.findings th, table.findings td { text-align: left; }
table.findings td:nth-child(2) { font-weight: bold; }
table.findings td:nth-child(n+3) { white-space: nowrap; }
details { margin: 1em 0; }
summary { font-size: 1.3em; font-weight: bold; cursor: pointer; }
"""
