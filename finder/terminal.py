"""The CLI's one way to print: every line goes through ``finder.untrusted.terminal_text``.

Header names, cell values, file names and error messages can come from an
uploaded file; printed raw, an escape sequence in them could recolour the
terminal, hide text or move the cursor (issue 17, defect 11).
"""

from __future__ import annotations

from typing import IO, Any

import click

from finder.untrusted import terminal_text

__all__ = ["echo"]


def echo(message: Any = None, file: IO[Any] | None = None, nl: bool = True, err: bool = False,
         color: bool | None = None) -> None:
    """``click.echo`` with control and format characters made visible and inert.

    Parameters
    ----------
    message : object, optional
        What to print (``None`` prints only the line ending).
    file, nl, err, color
        As for ``click.echo``.
    """
    text = None if message is None else terminal_text(message)
    click.echo(text, file=file, nl=nl, err=err, color=color)
