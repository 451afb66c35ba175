"""Energy engine: pure computations from timestamped readings to sourced sobriety figures.

* :mod:`.figure`: the ``Figure`` value (value, unit, provenance, range, sources) every result is.
* :mod:`.accumulate`: joules from energy counters or from power integrated over time.
* :mod:`.profiles`: strict loader of ``data/energy_profiles.yml`` (published power factors).
* :mod:`.estimate`: modelled power (workstation states, linear server model, refit from measurements).
* :mod:`.attribution`: host wall power split between VMs, with a conservation check.
* :mod:`.indicators`: the tender's indicators (kWh/year, W/workstation, kWh/page, PUE, CO2e, cost...).

No clock, no network, no store: callers pass timestamps and readings in, and persist the frozen states out.
"""
