"""Progress for the commands a person waits for (a 1,000-business demo, an ingest, an eval run,
a backfill): a bar on a terminal, nothing at all when output goes to a file or a pipe, so logs and
``--json`` output stay clean."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

COUNTED: tuple[ProgressColumn, ...] = (
    TextColumn("{task.description}"),
    BarColumn(),
    MofNCompleteColumn(),
    TimeElapsedColumn(),
)
# For work whose size is not known in advance: what has been done so far, and for how long.
OPEN_ENDED: tuple[ProgressColumn, ...] = (
    SpinnerColumn(),
    TextColumn("{task.description}"),
    TimeElapsedColumn(),
)


def progress(*columns: ProgressColumn) -> Progress:
    """A progress display on standard error, gone when done; disabled off a terminal."""
    console = Console(stderr=True)
    return Progress(
        *(columns or COUNTED), console=console, transient=True, disable=not console.is_terminal
    )
