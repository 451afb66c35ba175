"""Local peers the demo starts on loopback besides snmpsim: a real Redfish emulator (sushy-static
serving a DMTF mockup) and a Nutanix Prism v2 fake built from the documented payloads. The tests
import them from here too (tests/peers/)."""
