"""How a stage reports progress, without knowing who shows it.

Stages call ``progress.start(...)``, ``progress.advance(...)`` and ``progress.say(...)``; the command line
passes a Rich bar with ETA (``wildvalues.cli_common.rich_progress``), tests and library users pass
:class:`SilentProgress` (the default everywhere). Nothing here imports Rich.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Progress(Protocol):
    """Where a stage reports what it is doing and how far it got."""

    def start(self, description: str, total: float | None = None, unit: str = "items") -> None:
        """Begin a (new) unit of work: ``total`` items (or bytes with ``unit="bytes"``), None if unknown."""

    def advance(self, amount: float = 1) -> None:
        """``amount`` more items done."""

    def update(self, completed: float, total: float | None = None) -> None:
        """Set how much is done (and the total, when it became known)."""

    def say(self, message: str) -> None:
        """A short status line for the current phase (replaces the description)."""


class SilentProgress:
    """Progress that shows nothing; it remembers the last state so that tests can look."""

    def __init__(self) -> None:
        self.description = ""
        self.total: float | None = None
        self.completed: float = 0
        self.messages: list[str] = []

    def start(self, description: str, total: float | None = None, unit: str = "items") -> None:
        self.description, self.total, self.completed = description, total, 0

    def advance(self, amount: float = 1) -> None:
        self.completed += amount

    def update(self, completed: float, total: float | None = None) -> None:
        self.completed = completed
        if total is not None:
            self.total = total

    def say(self, message: str) -> None:
        self.messages.append(message)


SILENT = SilentProgress()
