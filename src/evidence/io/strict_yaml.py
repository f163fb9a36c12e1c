"""The one strict YAML reader, for the trainer's configs and the competition profiles.

PyYAML keeps the last of two equal keys without a word; here that is an error naming its line.
PyYAML is imported on first use, so `evidence validate` without a profile never loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

# Dotted key path (list items by index) -> the 1-based line it is on.
KeyLines = dict[tuple[str, ...], int]


class StrictYamlError(Exception):
    """A YAML file that cannot be trusted; the message names the file and line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _key_lines(where: str, node: yaml.Node | None, prefix: tuple[str, ...],
               lines: KeyLines) -> None:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _key_lines(where, child, (*prefix, str(index)), lines)
    if not isinstance(node, yaml.MappingNode):
        return
    for key_node, value_node in node.value:
        key = (*prefix, str(key_node.value))
        line = key_node.start_mark.line + 1
        if key in lines:
            raise StrictYamlError(f"{where}:{line}: {'.'.join(key)}: key appears twice; keep one")
        lines[key] = line
        _key_lines(where, value_node, key, lines)


def loads_yaml_strict(where: str, data: bytes) -> tuple[Any, KeyLines]:
    """The document in `data` and the line of every key, or a `StrictYamlError`."""
    import yaml

    try:
        text = data.decode("utf-8")
        lines: KeyLines = {}
        _key_lines(where, yaml.compose(text, Loader=yaml.SafeLoader), (), lines)
        return yaml.safe_load(text), lines
    except UnicodeDecodeError:
        raise StrictYamlError(f"{where}: not UTF-8 text") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise StrictYamlError(f"{where}{line}: not valid YAML: "
                              f"{getattr(error, 'problem', None) or error}") from None
