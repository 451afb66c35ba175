"""HTML -> PDF with WeasyPrint (pure Python on Debian's pango; no browser needed).

Why WeasyPrint: on a fresh Debian it needs ``pip install weasyprint`` plus pango (a few MB,
usually present), where headless Chromium is ~290 MB installed and LibreOffice more. It honours
the reports' ``@page`` rules (A4, page numbers), writes tagged PDF (``pdf_tags``: accessibility),
and is deterministic: creation/modification dates come from the document's
``dcterms.created``/``dcterms.modified`` metadata (the end of the reported month) and the file
identifier is given, so the same HTML gives the same PDF bytes with the same WeasyPrint version.
"""

from __future__ import annotations

import hashlib
import logging

from monitor.errors import VigieError


class PdfError(VigieError):
    """The PDF cannot be produced (WeasyPrint missing or failing)."""


def html_to_pdf(html: str) -> bytes:
    # WeasyPrint logs progress (some at import) and unsupported CSS at INFO/WARNING: keep quiet.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("weasyprint.progress").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        import weasyprint
    except ImportError as err:
        raise PdfError("PDF output needs WeasyPrint: pip install weasyprint "
                       "(and the Debian pango libraries)") from err
    ident = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    try:
        return weasyprint.HTML(string=html).write_pdf(pdf_identifier=ident, pdf_tags=True)
    except Exception as err:  # library boundary: any failure becomes ours
        raise PdfError(f"PDF rendering failed: {err}") from err
