"""Import a GLPI asset export (CSV) as a Vigie inventory file (YAML text).

Accepts English or French headers (``Nom;Lieu;Adresse IP;Type;Numéro de série;Modèle``), any case, with or
without a BOM, ``;`` or ``,`` separators. Problems are reported with their CSV line numbers.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import ipaddress
import json
import re
import unicodedata

from monitor.errors import ConfigError, ConfigErrors

from .model import SNMP_KINDS

MAX_CSV_BYTES = 16 * 1024 * 1024


_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O"})


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(c if c.isascii() else " " for c in decomposed if not unicodedata.combining(c))


def norm(text: str) -> str:
    """Lower case, accents and punctuation removed: ``"Point d'accès"`` -> ``"pointdacces"``."""
    return re.sub(r"[^a-z0-9]", "", _ascii(text).lower())


def slugify(text: str) -> str:
    """A valid asset / site name: ``"École Jules Ferry > Salle 2"`` -> ``"ecole-jules-ferry-salle-2"``."""
    return re.sub(r"[^a-z0-9]+", "-", _ascii(text).lower()).strip("-")[:63].strip("-")


COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "nom"),
    "location": ("location", "lieu", "localisation"),
    "ip": ("ip", "ipaddress", "ipaddresses", "adresseip", "adressesip", "ipv4"),
    "type": ("type", "typedemateriel", "itemtype"),
    "serial": ("serial", "serialnumber", "numerodeserie", "nserie", "numeroserie"),
    "model": ("model", "modele"),
}
KINDS: dict[str, str] = {norm(k): v for v, ks in {
    "switch": ("Switch", "Commutateur", "Network switch", "Switch PoE", "Commutateur PoE"),
    "firewall": ("Firewall", "Pare-feu", "Parefeu"),
    "access_point": ("Borne WiFi", "Borne Wi-Fi", "Point d'accès", "Point d'accès WiFi", "Access point",
                     "Wireless access point", "AP", "Contrôleur WiFi", "WiFi controller", "Wireless controller"),
    "ups": ("Onduleur", "UPS"),
    "pdu": ("PDU", "Rack PDU", "PDU de baie", "Barrette d'alimentation"),
    "printer": ("Imprimante", "Printer", "Copieur", "Photocopieur", "Copier", "Multifonction", "MFP"),
    "server": ("Serveur", "Server"),
    "hypervisor": ("Hyperviseur", "Hypervisor"),
    "workstation": ("Ordinateur", "Computer", "Poste de travail", "Workstation", "Ordinateur portable",
                    "Portable", "Laptop", "Desktop"),
}.items() for k in ks}


@dataclasses.dataclass(frozen=True)
class GlpiRow:
    line: int
    name: str           # slugified asset name
    original: str       # name as written in GLPI
    site: str
    site_name: str
    kind: str
    address: str
    serial: str
    model: str


def parse_glpi_csv(csv_text: str, *, source: str = "glpi.csv") -> list[GlpiRow]:
    """Rows of a GLPI export; raises ``ConfigErrors`` naming every bad line."""
    if len(csv_text) > MAX_CSV_BYTES:
        raise ConfigError("CSV export is too large", file=source)
    text = csv_text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    errors: list[ConfigError] = []
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as err:
        raise ConfigError("empty CSV export: expected a header line", file=source, line=1) from err
    index = _columns(header, source)
    rows: list[GlpiRow] = []
    last_line = reader.line_num
    while True:
        start = last_line + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            errors.append(ConfigError(f"unreadable CSV: {err}", file=source, line=start))
            break
        last_line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        row = _row(record, index, start, source, errors)
        if row is not None:
            rows.append(row)
    rows = _disambiguate(rows)
    if errors:
        raise ConfigErrors(errors)
    return rows


def _columns(header: list[str], source: str) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, title in enumerate(header):
        for key, aliases in COLUMNS.items():
            if norm(title) in aliases and key not in index:
                index[key] = i
    missing = [k for k in ("name", "type", "location") if k not in index]
    if missing:
        raise ConfigError(f"missing column(s) {', '.join(missing)} in header {';'.join(header)[:120]!r} "
                          "(expected e.g. Nom;Lieu;Adresse IP;Type;Numéro de série;Modèle)", file=source, line=1)
    return index


def _row(record: list[str], index: dict[str, int], line: int, source: str,
         errors: list[ConfigError]) -> GlpiRow | None:
    def cell(key: str) -> str:
        i = index.get(key)
        return record[i].strip() if i is not None and i < len(record) else ""

    bad = len(errors)
    original, location, type_ = cell("name"), cell("location"), cell("type")
    name, site = slugify(original), slugify(location)
    if not name:
        errors.append(ConfigError(f"name {original!r} gives an empty asset name", file=source, line=line))
    if not site:
        errors.append(ConfigError(f"asset {original!r} has no location", file=source, line=line))
    kind = KINDS.get(norm(type_))
    if kind is None:
        errors.append(ConfigError(f"unknown type {type_!r} for {original!r} (known: "
                                  f"{', '.join(sorted(set(KINDS.values())))}); fix it in GLPI or edit the row",
                                  file=source, line=line))
    address = ""
    for candidate in re.split(r"[\s,|]+|<br\s*/?>", cell("ip")):
        try:
            address = str(ipaddress.ip_address(candidate))
            break
        except ValueError:
            continue
    if cell("ip") and not address:
        errors.append(ConfigError(f"no valid IP address in {cell('ip')[:60]!r}", file=source, line=line))
    if len(errors) > bad:
        return None
    return GlpiRow(line=line, name=name, original=original, site=site, site_name=location, kind=kind or "",
                   address=address, serial=cell("serial"), model=cell("model"))


def _disambiguate(rows: list[GlpiRow]) -> list[GlpiRow]:
    """Duplicated names get the serial (or the CSV line) appended."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.name] = counts.get(r.name, 0) + 1
    out, taken = [], {r.name for r in rows if counts[r.name] == 1}
    for r in rows:
        if counts[r.name] > 1:
            suffix = slugify(r.serial) or f"l{r.line}"
            name = f"{r.name[:62 - len(suffix)]}-{suffix}"
            if name in taken:
                name = f"{r.name[:56]}-l{r.line}"
            taken.add(name)
            r = dataclasses.replace(r, name=name)
        out.append(r)
    return out


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _comment(text: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029]", " ", text)


def glpi_csv_to_inventory(csv_text: str, *, credentials: str | None = None, source: str = "glpi.csv") -> str:
    """YAML inventory (``sites:`` and ``assets:``) from a GLPI CSV export.

    With ``credentials``, assets of SNMP-capable kinds that have an address reference it (and so get SNMP
    polling); the credentials themselves live in another file that the main configuration includes.
    """
    rows = parse_glpi_csv(csv_text, source=source)
    sites: dict[str, str] = {}
    for r in rows:
        sites.setdefault(r.site, r.site_name)
    out = [f"# Imported from GLPI export {_comment(source)} by vigie: {len(rows)} assets.", "sites:"]
    out += [f"  {s}:\n    name: {_q(n)}" for s, n in sites.items()] or ["  {}"]
    out.append("assets:" if rows else "assets: []")
    for r in rows:
        out.append(f"  # {_comment(r.original)} (CSV line {r.line})")
        out.append(f"  - name: {r.name}")
        out.append(f"    site: {r.site}")
        out.append(f"    kind: {r.kind}")
        if r.address:
            out.append(f"    address: {_q(r.address)}")
        if credentials and r.address and r.kind in SNMP_KINDS:
            out.append(f"    credentials: {_q(credentials)}")
        if r.serial:
            out.append(f"    serial: {_q(r.serial)}")
        if r.model:
            out.append(f"    model: {_q(r.model)}")
    return "\n".join(out) + "\n"
