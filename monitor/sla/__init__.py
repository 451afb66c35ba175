"""Availability SLAs as French public contracts define them: calendars, contracts, exclusions, figures.

Pure functions over typed inputs; the clock (``now``) is always passed in. See ``docs/sla.md``.
"""
