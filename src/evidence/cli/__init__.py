"""The command line: parse arguments, call the library, render the result. Nothing else.

One module per command, registered in the order of the workflow; heavy imports happen inside
the command, so `evidence validate` starts fast enough for a pre-commit hook.
"""

from evidence.cli.application import app, command_line, main

__all__ = ["app", "command_line", "main"]
