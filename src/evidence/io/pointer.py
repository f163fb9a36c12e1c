"""JSON pointers (RFC 6901): formatting and parsing, the one place for both."""

from __future__ import annotations


def escape_pointer_token(token: str | int) -> str:
    """RFC 6901: '~' becomes '~0' and '/' becomes '~1'."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    return "".join("/" + escape_pointer_token(token) for token in tokens)


def pointer_tokens(at: str) -> list[str]:
    """The inverse of `pointer`: '/a~1b/c' is ['a/b', 'c']."""
    return [token.replace("~1", "/").replace("~0", "~") for token in at.split("/")[1:]]
