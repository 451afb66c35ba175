"""Exporters to systems other than Prometheus (InfluxDB v2)."""
