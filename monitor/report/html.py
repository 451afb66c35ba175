"""HTML building blocks shared by the monthly reports: page, sections, accessible tables.

Output is one self-contained file (inline CSS, inline SVG, no script, no external resource),
in French (``lang="fr"``), printable (A4 ``@page`` rules used by the PDF), RGAA-minded: one
``h1``, nested headings, tables with ``<caption>`` and ``<th scope>``, statuses written in words
(never colour alone), text contrast >= 7:1 on white.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Iterable, Sequence


@dataclass(frozen=True, slots=True)
class Raw:
    """Already-escaped HTML."""

    html: str

    def __str__(self) -> str:
        return self.html



def esc(x: object) -> str:
    return x.html if isinstance(x, Raw) else escape(str(x), quote=True)


CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
  @bottom-left { content: string(doctitle); font: 8pt "DejaVu Sans", sans-serif; color: #444; }
  @bottom-right { content: "page " counter(page) " / " counter(pages);
                  font: 8pt "DejaVu Sans", sans-serif; color: #444; } }
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1a1a1a;
       background: #fff; font-size: 10.5pt; line-height: 1.4; }
body { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.7em; margin: 0 0 .2em; string-set: doctitle content(); }
h2 { font-size: 1.35em; margin: 1.6em 0 .5em; border-bottom: 2px solid #1f3a5f; color: #1f3a5f;
     break-after: avoid; }
h3 { font-size: 1.1em; margin: 1.2em 0 .4em; color: #1f3a5f; break-after: avoid; }
p.meta { color: #333; margin: 0 0 1em; }
section.contract { break-before: page; }
table { border-collapse: collapse; width: 100%; margin: .4em 0 1em; font-size: .88em; }
caption { text-align: left; font-weight: bold; padding: .3em 0; caption-side: top; }
th, td { border: 1px solid #8a8a8a; padding: .25em .45em; vertical-align: top; text-align: left; }
thead th { background: #e8edf3; }
tbody th { font-weight: normal; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
tr { break-inside: avoid; }
tr.total th, tr.total td { font-weight: bold; background: #f3f5f8; }
.ok, .ko, .na { white-space: nowrap; }
.ok { color: #14532d; background: #dcfce7; font-weight: bold; padding: 0 .3em; }
.ko { color: #7f1d1d; background: #fee2e2; font-weight: bold; padding: 0 .3em; }
.na { color: #333; background: #eee; padding: 0 .3em; }
figure { margin: .5em 0 1em; break-inside: avoid; }
figcaption { font-size: .9em; color: #333; }
svg { width: 100%; height: auto; }
.note { font-size: .9em; color: #333; }
dl.kv { display: grid; grid-template-columns: max-content auto; gap: .1em 1em; }
dl.kv dt { font-weight: bold; } dl.kv dd { margin: 0; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: .9em; word-break: break-all; }
@media print { body { max-width: none; padding: 0; } table { font-size: 7.5pt; }
  th, td { padding: .2em .3em; } a { color: inherit; text-decoration: none; } }
"""


def page(*, title: str, body: Iterable[str], created: str, description: str = "") -> str:
    """A complete HTML document. ``created`` (ISO 8601) goes in the metadata the PDF keeps, so
    a regenerated report carries the same date (the end of the reported month, not "now")."""
    head = (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n"
        f'<meta name="description" content="{esc(description)}">\n'
        '<meta name="generator" content="Vigie">\n'
        f'<meta name="dcterms.created" content="{esc(created)}">\n'
        f'<meta name="dcterms.modified" content="{esc(created)}">\n'
        f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n")
    return head + "\n".join(body) + "\n</main>\n</body>\n</html>\n"


def heading(level: int, text: str, ident: str = "") -> str:
    attr = f' id="{esc(ident)}"' if ident else ""
    return f"<h{level}{attr}>{esc(text)}</h{level}>"


def para(text: "str | Raw", cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<p{attr}>{esc(text)}</p>"


def status(met: bool | None, yes: str = "conforme", no: str = "non conforme",
           none: str = "sans objet") -> Raw:
    """A status in words, with a colour as a second cue only."""
    if met is None:
        return Raw(f'<span class="na">{esc(none)}</span>')
    return Raw(f'<span class="{"ok" if met else "ko"}">{esc(yes if met else no)}</span>')


def table(caption: str, head: Sequence[str], rows: Iterable[Sequence["str | Raw"]], *,
          numeric: Sequence[int] = (), row_header: bool = True, total: Sequence["str | Raw"] = (),
          empty: str = "Aucune ligne.") -> str:
    """A data table: column headers ``scope="col"``; the first cell of each row is a row header
    (``scope="row"``) unless ``row_header`` is false; ``numeric`` columns are right-aligned."""
    num = set(numeric)

    def cls(i: int) -> str:
        return ' class="num"' if i in num else ""

    def row(cells: Sequence["str | Raw"], tr: str = "<tr>") -> str:
        out = [tr]
        for i, c in enumerate(cells):
            if i == 0 and row_header:
                out.append(f'<th scope="row"{cls(i)}>{esc(c)}</th>')
            else:
                out.append(f"<td{cls(i)}>{esc(c)}</td>")
        return "".join(out) + "</tr>"

    lines = [f"<table>\n<caption>{esc(caption)}</caption>",
             "<thead><tr>" + "".join(f'<th scope="col"{cls(i)}>{esc(h)}</th>'
                                     for i, h in enumerate(head)) + "</tr></thead>", "<tbody>"]
    body = [row(r) for r in rows]
    if not body:
        body = [f'<tr><td colspan="{len(head)}">{esc(empty)}</td></tr>']
    lines.extend(body)
    lines.append("</tbody>")
    if total:
        lines.append("<tfoot>" + row(total, '<tr class="total">') + "</tfoot>")
    lines.append("</table>")
    return "\n".join(lines)


def definitions(pairs: Iterable[tuple[str, "str | Raw"]]) -> str:
    return '<dl class="kv">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in pairs) + "</dl>"


def figure(svg: str, caption: str) -> str:
    return f"<figure>\n{svg}\n<figcaption>{esc(caption)}</figcaption>\n</figure>"
