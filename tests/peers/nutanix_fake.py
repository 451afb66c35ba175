"""The Nutanix Prism Element v2 fake lives in the package (the demo starts it too); see
:mod:`monitor.demo_peers.nutanix` for what it serves and why it is a fake."""

from monitor.demo_peers.nutanix import API, HOSTS, PASSWORD, USER, VM_PPM, VMS, NutanixFake

__all__ = ["API", "HOSTS", "PASSWORD", "USER", "VM_PPM", "VMS", "NutanixFake"]
