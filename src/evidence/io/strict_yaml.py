"""The one strict YAML reader, for the trainer's configs and the competition profiles.

PyYAML keeps the last of two equal keys without a word; here that is an error naming its line.
Anchors and aliases (`&a`, `*a`, and the `<<` merges built on them) are refused outright: no
config or profile needs them, and they are how a few lines of YAML become a recursive document
or billions of nodes (the "billion laughs"). The refusal reads the event stream and stops at
the first anchor, before any node is built, so it takes milliseconds whatever the file holds.
A number too long to be a setting (CPython will not convert an integer past 4,300 digits) is
refused too, naming its line.
PyYAML is imported on first use, so `evidence validate` without a profile never loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

# Dotted key path (list items by index) -> the 1-based line it is on.
KeyLines = dict[tuple[str, ...], int]

# The longest scalar read as a number: an int64 has 19 digits, a float's exact form about 25.
MAX_NUMBER_CHARS = 100
# Configs and profiles are a few levels deep; this is far past any of them.
MAX_DEPTH = 64
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


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


def _refuse_anchors(where: str, text: str) -> None:
    """Refuse the first anchor or alias, and nesting deeper than any config, before anything is
    composed (composing a deep document is quadratic, building one recursive)."""
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise StrictYamlError(f"{where}:{line}: nested more than {MAX_DEPTH} deep; no "
                                      "config or profile is")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, yaml.AliasEvent):
            raise StrictYamlError(f"{where}:{line}: an alias (*{event.anchor}); configs and "
                                  "profiles do not use anchors or aliases, write the value out")
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            raise StrictYamlError(f"{where}:{line}: an anchor (&{event.anchor}); configs and "
                                  "profiles do not use anchors or aliases, write the value out")


def _refuse_long_numbers(where: str, node: yaml.Node | None) -> None:
    import yaml

    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, yaml.ScalarNode):
            if current.tag in _NUMBER_TAGS and len(current.value) > MAX_NUMBER_CHARS:
                raise StrictYamlError(
                    f"{where}:{current.start_mark.line + 1}: a number of {len(current.value)} "
                    f"characters; no setting needs more than {MAX_NUMBER_CHARS}")
        elif isinstance(current, yaml.SequenceNode):
            pending.extend(current.value)
        elif isinstance(current, yaml.MappingNode):
            pending.extend(item for pair in current.value for item in pair)


def loads_yaml_strict(where: str, data: bytes) -> tuple[Any, KeyLines]:
    """The document in `data` and the line of every key, or a `StrictYamlError`."""
    import yaml

    try:
        text = data.decode("utf-8")
        _refuse_anchors(where, text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        _refuse_long_numbers(where, node)
        lines: KeyLines = {}
        _key_lines(where, node, (), lines)
        return yaml.safe_load(text), lines
    except UnicodeDecodeError:
        raise StrictYamlError(f"{where}: not UTF-8 text") from None
    except RecursionError:
        raise StrictYamlError(f"{where}: nested too deeply to be a config or profile") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise StrictYamlError(f"{where}{line}: not valid YAML: "
                              f"{getattr(error, 'problem', None) or error}") from None
