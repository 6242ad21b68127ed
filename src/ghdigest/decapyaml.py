"""YAML written the way Decap CMS writes it, so a save from the admin and ``ghdigest fmt`` agree byte for byte.

Decap 3 serialises entries with the ``yaml`` npm package, version 1.10, and its defaults: block
style, two-space indents, sequences indented under their key, plain scalars where YAML 1.2's core
schema reads them back as strings, double quotes otherwise, literal blocks for multi-line text
(folded ones when a line is longer than 80 columns), and long text folded at 80 columns. This
module follows that package's ``stringifyString`` and ``foldFlowLines`` step by step, for the
values content files hold: mappings, lists, text, numbers and booleans. Lengths are counted in
UTF-16 code units, as JavaScript counts them.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Mapping
from typing import Any

LINE_WIDTH = 80
MIN_CONTENT_WIDTH = 20
_MIN_MULTILINE_DOUBLE_QUOTED = 40
_INDENT_STEP = "  "

_FOLD_FLOW, _FOLD_BLOCK, _FOLD_QUOTED = "flow", "block", "quoted"

# YAML 1.2 core schema: plain text matching one of these is not read back as a string.
_CORE_NON_STRINGS = [
    re.compile(pattern)
    for pattern in (
        r"^(?:~|[Nn]ull|NULL)?\Z",
        r"^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)\Z",
        r"^0o([0-7]+)\Z",
        r"^[-+]?[0-9]+\Z",
        r"^0x([0-9a-fA-F]+)\Z",
        r"^(?:[-+]?\.inf|(\.nan))\Z",
        r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+\Z",
        r"^[-+]?(?:\.([0-9]+)|[0-9]+\.([0-9]*))\Z",
    )
]
_CORE_NON_STRINGS[5] = re.compile(r"^(?:[-+]?\.inf|(\.nan))\Z", re.IGNORECASE)
_DOCUMENT_MARKER = re.compile(r"^(%|---|\.\.\.)", re.MULTILINE)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NOT_PLAIN = re.compile(r"^[\n\t ,[\]{}#&*!|>'\"%@`]|^[?-]\Z|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]\Z")


def _units(text: str) -> str:
    """``text`` as UTF-16 code units (astral characters become surrogate pairs), as JavaScript sees it."""
    if text.isascii() or all(ord(ch) < 0x10000 for ch in text):
        return text
    data = text.encode("utf-16-le", "surrogatepass")
    return "".join(chr(unit) for unit in struct.unpack(f"<{len(data) // 2}H", data))


_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(units: str) -> str:
    """Code units back to text; a surrogate left alone becomes U+FFFD, as a browser writes it in UTF-8."""
    if not _SURROGATE.search(units):
        return units
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", errors="replace")


def _at(text: str, index: int) -> str:
    return text[index] if 0 <= index < len(text) else ""


def _consume_more_indented_lines(text: str, i: int) -> int:
    ch = _at(text, i + 1)
    while ch in (" ", "\t"):
        while True:
            i += 1
            ch = _at(text, i)
            if not ch or ch == "\n":
                break
        ch = _at(text, i + 1)
    return i


def _fold(text: str, indent: str, mode: str, indent_at_start: int | None = None) -> str:
    """The package's ``foldFlowLines``: break lines longer than 80 columns at single spaces."""
    end_step = max(1 + MIN_CONTENT_WIDTH, 1 + LINE_WIDTH - len(indent))
    if len(text) <= end_step:
        return text
    folds: list[int] = []
    escaped_folds: set[int] = set()
    end = LINE_WIDTH - len(indent)
    if indent_at_start is not None:
        if indent_at_start > LINE_WIDTH - max(2, MIN_CONTENT_WIDTH):
            folds.append(0)
        else:
            end = LINE_WIDTH - indent_at_start
    split: int | None = None
    prev = ""
    i = -1
    esc_start = esc_end = -1
    if mode == _FOLD_BLOCK:
        i = _consume_more_indented_lines(text, i)
        if i != -1:
            end = i + end_step
    while True:
        i += 1
        ch = _at(text, i)
        if not ch:
            break
        if mode == _FOLD_QUOTED and ch == "\\":
            esc_start = i
            nxt = _at(text, i + 1)
            i += 3 if nxt == "x" else 5 if nxt == "u" else 9 if nxt == "U" else 1
            esc_end = i
        if ch == "\n":
            if mode == _FOLD_BLOCK:
                i = _consume_more_indented_lines(text, i)
            end = i + end_step
            split = None
        else:
            if ch == " " and prev and prev not in (" ", "\n", "\t"):
                nxt = _at(text, i + 1)
                if nxt and nxt not in (" ", "\n", "\t"):
                    split = i
            if i >= end:
                if split:
                    folds.append(split)
                    end = split + end_step
                    split = None
                elif mode == _FOLD_QUOTED:
                    while prev in (" ", "\t"):
                        prev = ch
                        i += 1
                        ch = _at(text, i)
                    j = i - 2 if i > esc_end + 1 else esc_start - 1
                    if j in escaped_folds:
                        return text
                    folds.append(j)
                    escaped_folds.add(j)
                    end = j + end_step
                    split = None
        prev = ch
    if not folds:
        return text
    out = text[: folds[0]]
    for index, fold in enumerate(folds):
        stop = folds[index + 1] if index + 1 < len(folds) and folds[index + 1] else len(text)
        if fold == 0:
            out = f"\n{indent}{text[0:stop]}"
        else:
            if mode == _FOLD_QUOTED and fold in escaped_folds:
                out += f"{text[fold]}\\"
            out += f"\n{indent}{text[fold + 1 : stop]}"
    return out


def _line_length_over_limit(text: str, indent_length: int) -> bool:
    limit = LINE_WIDTH - indent_length
    if len(text) <= limit:
        return False
    start = 0
    for i, ch in enumerate(text):
        if ch == "\n":
            if i - start > limit:
                return True
            start = i + 1
            if len(text) - start <= limit:
                return False
    return True


def _json(value: str) -> str:
    # JSON.stringify: \b \f \n \r \t and other controls escaped (\u00xx), everything else as is.
    return _units(json.dumps(_text(value), ensure_ascii=False))


def _double_quoted(value: str, indent: str, implicit_key: bool, indent_at_start: int | None) -> str:
    encoded = _json(value)
    indent = indent or ("  " if _DOCUMENT_MARKER.search(value) else "")
    out = ""
    start = 0
    i = 0
    while i < len(encoded):
        ch = encoded[i]
        if ch == " " and _at(encoded, i + 1) == "\\" and _at(encoded, i + 2) == "n":
            out += encoded[start:i] + "\\ "  # a space before a line break must not be folded away
            i += 1
            start = i
            ch = "\\"
        if ch == "\\":
            nxt = _at(encoded, i + 1)
            if nxt == "u":
                out += encoded[start:i]
                code = encoded[i + 2 : i + 6]
                named = {"0000": "\\0", "0007": "\\a", "000b": "\\v", "001b": "\\e", "0085": "\\N", "00a0": "\\_"}
                named |= {"2028": "\\L", "2029": "\\P"}
                if code in named:
                    out += named[code]
                elif code.startswith("00"):
                    out += "\\x" + code[2:]
                else:
                    out += encoded[i : i + 6]
                i += 5
                start = i + 1
            elif nxt == "n":
                if implicit_key or _at(encoded, i + 2) == '"' or len(encoded) < _MIN_MULTILINE_DOUBLE_QUOTED:
                    i += 1
                else:
                    out += encoded[start:i] + "\n\n"  # folding will eat the first line break
                    while _at(encoded, i + 2) == "\\" and _at(encoded, i + 3) == "n" and _at(encoded, i + 4) != '"':
                        out += "\n"
                        i += 2
                    out += indent
                    if _at(encoded, i + 2) == " ":
                        out += "\\"
                    i += 1
                    start = i + 1
            else:
                i += 1
        i += 1
    out = out + encoded[start:] if start else encoded
    return out if implicit_key else _fold(out, indent, _FOLD_QUOTED, indent_at_start)


def _single_quoted(value: str, indent: str, implicit_key: bool, indent_at_start: int | None) -> str:
    if implicit_key:
        if "\n" in value:
            return _double_quoted(value, indent, implicit_key, indent_at_start)
    elif re.search(r"[ \t]\n|\n[ \t]", value):
        return _double_quoted(value, indent, implicit_key, indent_at_start)
    indent = indent or ("  " if _DOCUMENT_MARKER.search(value) else "")
    quoted = "'" + re.sub(r"\n+", lambda m: f"{m.group(0)}\n{indent}", value.replace("'", "''")) + "'"
    return quoted if implicit_key else _fold(quoted, indent, _FOLD_FLOW, indent_at_start)


def _block(value: str, indent: str, implicit_key: bool, indent_at_start: int | None) -> str:
    if re.search(r"\n[\t ]+\Z", value) or re.fullmatch(r"\s*", value):
        return _double_quoted(value, indent, implicit_key, indent_at_start)
    indent = indent or ("  " if _DOCUMENT_MARKER.search(value) else "")
    indent_size = "2" if indent else "1"
    literal = not _line_length_over_limit(value, len(indent))
    header = "|" if literal else ">"
    trailing = re.search(r"[\n\t ]*\Z", value)
    assert trailing is not None
    ws = trailing.group(0)
    newline_at = ws.find("\n")
    if newline_at == -1:
        header += "-"
    elif value == ws or newline_at != len(ws) - 1:
        header += "+"
    ws_end = re.sub(r"\n\Z", "", ws)
    value = value[: len(value) - len(ws)]
    leading = re.match(r"[\n ]*", value)
    assert leading is not None
    lead = leading.group(0)
    if " " in lead:
        header += indent_size
    spaces = re.search(r" +\Z", lead)
    if spaces:
        ws_start = lead[: -len(spaces.group(0))]
        value = spaces.group(0) + value[len(lead) :]
    else:
        ws_start = lead
        value = value[len(lead) :]
    if ws_end:
        ws_end = re.sub(r"\n+(?!\n|\Z)", lambda m: f"{m.group(0)}{indent}", ws_end)
    if ws_start:
        ws_start = re.sub(r"\n+", lambda m: f"{m.group(0)}{indent}", ws_start)
    if not value:
        return f"{header}{indent_size}\n{indent}{ws_end}"
    if literal:
        value = re.sub(r"\n+", lambda m: f"{m.group(0)}{indent}", value)
        return f"{header}\n{indent}{ws_start}{value}{ws_end}"
    value = re.sub(r"\n+", lambda m: "\n" + m.group(0), value)
    value = re.sub(
        r"(?:^|\n)([\t ].*)(?:([\n\t ]*)\n(?![\n\t ]))?", lambda m: (m.group(1) or "") + (m.group(2) or ""), value
    )
    value = re.sub(r"\n+", lambda m: f"{m.group(0)}{indent}", value)
    body = _fold(f"{ws_start}{value}{ws_end}", indent, _FOLD_BLOCK)
    return f"{header}\n{indent}{body}"


def _plain(value: str, indent: str, implicit_key: bool, indent_at_start: int | None) -> str:
    if implicit_key and re.search(r"[\n[\]{},]", value):
        return _double_quoted(value, indent, implicit_key, indent_at_start)
    if not value or _NOT_PLAIN.search(value):
        if implicit_key or "\n" not in value:
            if '"' in value and "'" not in value:
                return _single_quoted(value, indent, implicit_key, indent_at_start)
            return _double_quoted(value, indent, implicit_key, indent_at_start)
        return _block(value, indent, implicit_key, indent_at_start)
    if not implicit_key and "\n" in value:
        return _block(value, indent, implicit_key, indent_at_start)
    if indent == "" and _DOCUMENT_MARKER.search(value):
        return _block(value, "  ", implicit_key, indent_at_start)
    text = re.sub(r"\n+", lambda m: f"{m.group(0)}\n{indent}", value)
    if any(pattern.match(text) for pattern in _CORE_NON_STRINGS):
        return _double_quoted(value, indent, implicit_key, indent_at_start)
    return text if implicit_key else _fold(text, indent, _FOLD_FLOW, indent_at_start)


def _string(value: str, indent: str, implicit_key: bool = False, indent_at_start: int | None = None) -> str:
    units = _units(value)
    if _CONTROL.search(units):
        return _double_quoted(units, indent, implicit_key, indent_at_start)
    return _plain(units, indent, implicit_key, indent_at_start)


def _scalar(value: Any, indent: str, indent_at_start: int | None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        return json.dumps(value) if not value.is_integer() else str(int(value))
    if value is None:
        return "null"
    return _string(str(value), indent, indent_at_start=indent_at_start)


def _js_key_order(mapping: Mapping[Any, Any]) -> list[Any]:
    """Keys in the order a JavaScript object holds them: array indexes first, by value, then the rest as written."""
    indexes = [key for key in mapping if re.fullmatch(r"0|[1-9][0-9]{0,9}", str(key)) and int(str(key)) < 2**32 - 1]
    return [*sorted(indexes, key=lambda key: int(str(key))), *(key for key in mapping if key not in indexes)]


def _collection(value: Any, indent: str) -> str:
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        lines = [_pair(str(key), value[key], indent) for key in _js_key_order(value)]
        return f"\n{indent}".join(lines)
    if not value:
        return "[]"
    item_indent = indent + _INDENT_STEP
    lines = []
    for item in value:
        if isinstance(item, (Mapping, list)):
            lines.append("- " + _collection(item, item_indent))
        else:
            lines.append("- " + _scalar(item, item_indent, None))
    return f"\n{indent}".join(lines)


def _pair(key: str, value: Any, indent: str) -> str:
    inner = indent + _INDENT_STEP
    head = _string(key, inner, implicit_key=True) + ":"
    if isinstance(value, (Mapping, list)):
        body = _collection(value, inner)
        flow = body[:1] in ("[", "{")
        return head + (" " if flow and "\n" not in body else f"\n{inner}") + body
    text = _scalar(value, inner, len(head) + 1)
    return head + ("" if text.startswith("\n") else " ") + text


def dump(data: Mapping[str, Any]) -> str:
    """``data`` as YAML, as Decap CMS writes a file holding it."""
    return _text(_collection(data, "")) + "\n"
