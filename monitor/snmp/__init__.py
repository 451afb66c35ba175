"""SNMP transport: a fast v1/v2c client on one shared socket, pysnmp for v3."""
