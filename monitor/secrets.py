"""Secrets: values read at load time from a file, an environment variable or a systemd credential.

A ``Secret`` prints as ``<secret>``; only ``reveal()`` gives the value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

SecretSource = Literal["file", "env", "credential", "value"]
SOURCES: tuple[SecretSource, ...] = ("file", "env", "credential", "value")
MAX_SECRET_FILE_BYTES = 64 * 1024


class SecretError(ValueError):
    """A secret cannot be read. The message never contains the secret value."""


class Secret:
    """An opaque secret value. ``str()``/``repr()`` never show it."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, *, source: str = "value") -> None:
        self._value = value
        self.source = source  # e.g. "env:SNMP_COMMUNITY": safe to show

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<secret>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "<secret>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple:  # keep pickling working without leaking through repr
        return (Secret, (self._value,), {"source": self.source})

    def __setstate__(self, state: dict) -> None:
        self.source = state["source"]


def read_secret(kind: SecretSource, ref: str, *, base_dir: Path, environ: Mapping[str, str],
                credentials_dir: str | None) -> Secret:
    """Resolve one secret reference; raises ``SecretError`` (without the value) on failure."""
    if kind == "value":
        value, source = ref, "value"
    elif kind == "env":
        if ref not in environ:
            raise SecretError(f"environment variable {ref} is not set")
        value, source = environ[ref], f"env:{ref}"
    elif kind == "file":
        path = Path(os.path.expanduser(ref))
        value, source = _read_file(path if path.is_absolute() else base_dir / path), f"file:{ref}"
    elif kind == "credential":
        if not ref or "/" in ref or ref in (".", ".."):
            raise SecretError(f"invalid credential name {ref!r}")
        directory = credentials_dir or environ.get("CREDENTIALS_DIRECTORY")
        if not directory:
            raise SecretError(f"credential {ref!r} needs $CREDENTIALS_DIRECTORY "
                              "(systemd LoadCredential=), which is not set")
        value, source = _read_file(Path(directory) / ref), f"credential:{ref}"
    else:  # pragma: no cover - guarded by the binder
        raise SecretError(f"unknown secret source {kind!r}")
    if not value:
        raise SecretError(f"secret from {source} is empty")
    return Secret(value, source=source)


def _read_file(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_SECRET_FILE_BYTES + 1)
    except OSError as err:
        raise SecretError(f"cannot read secret file {path}: {err.strerror or err}") from err
    if len(data) > MAX_SECRET_FILE_BYTES:
        raise SecretError(f"secret file {path} is larger than {MAX_SECRET_FILE_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SecretError(f"secret file {path} is not valid UTF-8") from err
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith("\n") else text
