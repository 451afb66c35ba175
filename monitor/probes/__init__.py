"""Probe kinds. Each kind is one module, registered once in ``monitor.probes.registry``."""
