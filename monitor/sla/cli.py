"""``vigie`` subcommands of the sla engine."""

from __future__ import annotations

import argparse
from typing import Callable


def register(sub: argparse._SubParsersAction) -> dict[str, Callable[[argparse.Namespace], int]]:
    """Add subcommands to the ``vigie`` parser; return command name -> handler."""
    return {}
