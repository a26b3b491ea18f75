"""What a build folder's generated apps/common/build_id.cpp (cmake/build_id.cmake)
says: the id every record of that build's apps carries as `build`."""

from __future__ import annotations

import re


def build_id_in(path) -> str:
    with open(path, encoding="utf-8") as f:
        m = re.search(r'build_id\(\) \{ return "([^"]*)"; \}', f.read())
    assert m, f"{path} defines no build_id()"
    return m.group(1)
