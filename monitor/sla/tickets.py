"""Import GLPI tickets (CSV export) into incidents: ticket id, opening, take-into-account, resolution.

Accepted headers (case, accents and spaces ignored): ``id``/``ID``; ``title``/``Titre``;
``date``/``Date d'ouverture``/``ouverture``; ``Date de prise en compte``; ``Date de résolution``;
``priorité``/``priority``; ``élément associé``/``Éléments associés``/``item``. Delimiter ``;`` or
``,`` (sniffed). Dates ``YYYY-MM-DD HH:MM[:SS]``, ``DD-MM-YYYY HH:MM`` or ``DD/MM/YYYY HH:MM``,
Europe/Paris. A ticket is linked to every incident of its associated element (asset or service)
whose outage contains the ticket's opening, or began at most ``MATCH_BEFORE`` after it.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from monitor.errors import VigieError
from monitor.sla import incidents as inc
from monitor.sla.calendar import PARIS
from monitor.sla.db import SlaDb

MATCH_BEFORE = 3600.0   # a ticket opened up to 1 h before the outage is detected still matches

_HEADERS = {
    "id": "id", "ticket": "id", "numero": "id",
    "title": "title", "titre": "title",
    "date": "opened", "ouverture": "opened", "datedouverture": "opened", "dateouverture": "opened",
    "opened": "opened",
    "datedepriseencompte": "ack", "priseencompte": "ack", "ack": "ack", "takeintoaccountdate": "ack",
    "datederesolution": "resolved", "resolution": "resolved", "resolved": "resolved",
    "solvedate": "resolved",
    "priorite": "priority", "priority": "priority",
    "elementassocie": "item", "elementsassocies": "item", "item": "item", "items": "item",
}
_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
            "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M")


class TicketError(VigieError):
    """The ticket file cannot be read."""


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    title: str
    opened: float
    ack: float | None
    resolved: float | None
    priority: str
    item: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    linked: tuple[tuple[str, int], ...]   # (ticket id, incident id)
    unmatched: tuple[str, ...]            # ticket ids with no incident


def _key(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(c for c in plain if c.isalnum())


def parse_time(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=PARIS).timestamp()
        except ValueError:
            continue
    raise TicketError(f"cannot read date {text[:40]!r} (expected YYYY-MM-DD HH:MM or DD-MM-YYYY HH:MM)")


def read_tickets(text: str) -> list[Ticket]:
    text = text.lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        return []
    cols = {_HEADERS[_key(h)]: i for i, h in enumerate(rows[0]) if _key(h) in _HEADERS}
    missing = {"id", "opened", "item"} - set(cols)
    if missing:
        raise TicketError(f"missing column(s): {', '.join(sorted(missing))} (got {', '.join(rows[0])})")

    def get(row: list[str], name: str) -> str:
        i = cols.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        try:
            opened = parse_time(get(row, "opened"))
            if opened is None:
                raise TicketError("no opening date")
            out.append(Ticket(get(row, "id"), get(row, "title"), opened, parse_time(get(row, "ack")),
                              parse_time(get(row, "resolved")), get(row, "priority"), get(row, "item")))
        except TicketError as err:
            raise TicketError(f"line {n}: {err}") from err
    return out


def import_tickets(db: SlaDb, tickets: list[Ticket]) -> ImportResult:
    """Link tickets to stored incidents (run after the incidents were synced)."""
    rows = inc.stored(db)
    linked, unmatched = [], []
    for t in tickets:
        hits = [r for r in rows if r[3] == t.item and r[4] - MATCH_BEFORE <= t.opened
                and (r[5] is None or t.opened < r[5])]
        if not hits:
            unmatched.append(t.id)
            continue
        for r in hits:
            inc.record(db, r[0], ticket=t.id, ticket_opened=t.opened, ticket_title=t.title,
                       ticket_priority=t.priority, ack_at=t.ack, restored_at=t.resolved)
            linked.append((t.id, r[0]))
    return ImportResult(tuple(linked), tuple(unmatched))
