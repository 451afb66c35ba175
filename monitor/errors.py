"""One error root for the package. Library errors are wrapped at the boundary (``raise ... from err``).

Only configuration and programming faults raise; probe outcomes are values (see ``monitor.probes.base``).
"""

from __future__ import annotations


class VigieError(Exception):
    """Root of every error Vigie raises on purpose."""


class ConfigError(VigieError):
    """Invalid configuration. Names the file, the line and the option path when known."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 path: str | None = None) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "")
        parts = [p for p in (where, self.path) if p]
        prefix = ": ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class ConfigErrors(ConfigError):
    """Several configuration errors found in one pass (reported all at once)."""

    def __init__(self, errors: list[ConfigError]) -> None:
        self.errors = errors
        Exception.__init__(self, "\n".join(str(e) for e in errors))
        self.message, self.file, self.line, self.path = str(self), None, None, None

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class ProbeSetupError(VigieError):
    """A probe cannot be built from its configuration (not a poll failure: those are Results)."""
