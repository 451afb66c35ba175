"""Checks across definitions: references (site, parent, credentials), unique names, dependency cycles.

Also applies the SNMP shorthand: an asset of an SNMP-capable kind whose credential has an ``snmp`` part gets
SNMP polling without writing ``probes: {snmp: {}}``.
"""

from __future__ import annotations

import dataclasses
import difflib
from typing import TYPE_CHECKING, Any

from monitor.errors import ConfigError

from .bind import Issues
from .model import SNMP_KINDS, Asset, Credential, Site, SnmpOptions, parse_address

if TYPE_CHECKING:
    from .loader import Where


def _hint(name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def cross_check(assets: list[tuple[Asset, Where]], sites: dict[str, tuple[Site, Where]],
                credentials: dict[str, tuple[Credential, Where]], issues: Issues,
                broken: set[tuple[str, str]] = frozenset()) -> list[tuple[Asset, Where]]:
    """Validated assets (with the SNMP shorthand applied); problems go to ``issues.errors``.

    ``broken`` holds ``(section, name)`` of definitions that failed to bind: references to them are not
    reported again.
    """

    def err(where: Where, key: str, index_path: str, message: str) -> None:
        node = where.key(key) if key else where.node
        issues.add(ConfigError(message, file=where.file, line=node.start_mark.line + 1,
                                         path=f"{index_path}.{key}" if key else index_path))

    seen: dict[str, Where] = {}
    out: list[tuple[Asset, Where]] = []
    names = {a.name for a, _ in assets}
    for asset, where in assets:
        p = where.path
        if asset.name in seen:
            first = seen[asset.name]
            err(where, "name", p, f"asset {asset.name!r} is already defined at {first.file}:{first.line}")
            continue
        seen[asset.name] = where
        if asset.site not in sites and ("sites", asset.site) not in broken:
            err(where, "site", p, f"unknown site {asset.site!r}{_hint(asset.site, sites)}")
        if asset.parent is not None:
            if asset.parent == asset.name:
                err(where, "parent", p, "an asset cannot be its own parent")
            elif asset.parent not in names and ("assets", asset.parent) not in broken:
                err(where, "parent", p, f"unknown parent asset {asset.parent!r}{_hint(asset.parent, names)}")
        cred = None
        if asset.credentials is not None:
            if ("credentials", asset.credentials) in broken:
                continue
            if asset.credentials not in credentials:
                err(where, "credentials", p,
                    f"unknown credentials {asset.credentials!r}{_hint(asset.credentials, credentials)}")
            else:
                cred = credentials[asset.credentials][0]
        probes = asset.probes
        if probes.snmp is None and cred is not None and cred.snmp is not None and asset.kind in SNMP_KINDS:
            if not asset.address:
                err(where, "address", p, "an address is needed: SNMP is on because the credentials have an "
                                         "'snmp' part")
                continue
            asset = dataclasses.replace(asset, probes=dataclasses.replace(probes, snmp=SnmpOptions()))
        if asset.probes.snmp is not None and (cred is None or cred.snmp is None) and \
                asset.credentials in (None, *credentials):
            err(where, "credentials", p, "the snmp probe needs credentials with an 'snmp' part")
        if asset.probes.meraki is not None and (cred is None or cred.http is None or cred.http.api_key is None) \
                and asset.credentials in (None, *credentials):
            err(where, "credentials", p, "the meraki probe needs credentials with 'http.api_key'")
        if asset.probes.snmp is not None and asset.probes.snmp.port and asset.address:
            port = parse_address(asset.address)[1]
            if port is not None and port != asset.probes.snmp.port:
                err(where, "probes", p, f"probes.snmp.port ({asset.probes.snmp.port}) contradicts the address "
                                        f"port ({port}); give the port once")
        if not asset.probes.enabled():
            issues.warnings.append(f"{where.file}:{where.line}: {p}: no probe enabled (add credentials with an "
                                   "'snmp' part or a 'probes:' section)")
        out.append((asset, where))
    _cycles(out, err)
    return out


def _cycles(assets: list[tuple[Asset, Where]], err: Any) -> None:
    parent = {a.name: a.parent for a, _ in assets}
    where = {a.name: w for a, w in assets}
    done: set[str] = set()
    for start in parent:
        chain: list[str] = []
        node: str | None = start
        while node is not None and node in parent and node not in done:
            if node in chain:
                if len(chain) - chain.index(node) == 1:
                    break  # self-parent: reported by cross_check
                cycle = chain[chain.index(node):] + [node]
                err(where[node], "parent", where[node].path, f"dependency cycle: {' -> '.join(cycle)}")
                break
            chain.append(node)
            node = parent[node]
        done.update(chain)
