"""json.loads for text from outside (study files, record lines): whatever
the text, the result is a value or json.JSONDecodeError, which the callers
already turn into one line. Python's json raises RecursionError instead on
deeply nested brackets (100,000 '[' end in a traceback), and values nested
just below its limit make any later recursive walk fail the same way, so
nesting is capped well below it."""
from __future__ import annotations

import json

MAX_DEPTH = 64  # records and studies nest 4 levels; anything far deeper is not one


def loads(text: str, **kwargs):
    """json.loads(text, **kwargs), refusing nesting deeper than MAX_DEPTH."""
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise _too_deep(text) from None
    if _depth(value) > MAX_DEPTH:
        raise _too_deep(text)
    return value


def _too_deep(text: str) -> json.JSONDecodeError:
    return json.JSONDecodeError(f"arrays or objects nested more than {MAX_DEPTH} levels deep", text, 0)


def _depth(value) -> int:
    """How deep arrays and objects nest in `value`, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, level)
        if level <= MAX_DEPTH:
            stack.extend((child, level + 1) for child in item)
    return deepest
