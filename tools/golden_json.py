"""JSON writing for fixture provenance and golden files: indented, with number lists on one line."""

import json
import re
from pathlib import Path

# json.dumps escapes newlines inside strings, so "[" + raw newline only opens a real list.
_NUMBER_LIST = re.compile(r"\[\n\s*([-+0-9.eE,\s]+?)\n\s*\]")


def dumps(obj):
    text = json.dumps(obj, indent=1, ensure_ascii=False)
    return _NUMBER_LIST.sub(lambda m: "[" + " ".join(m.group(1).split()) + "]", text) + "\n"


def write(path, obj):
    """Writes to a temporary name beside `path`, then renames: never a half-written file."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dumps(obj), encoding="utf-8")
    tmp.replace(path)
