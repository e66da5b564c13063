# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CSV rows to DynamoDB items (private): parsing, validation, canonical forms.

Pure functions, no AWS calls. Items use the low-level DynamoDB wire format
(``{"attr": {"S": "x"}}``) so they go to the client without a serializer, and
binary values are ``bytes`` as botocore returns them.

Every error is a :class:`CsvError` that carries the file, line and column, so
the module can refuse a bad file before writing anything.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import csv
import decimal
import hashlib
import json
import re

SCALAR_TYPES = ("S", "N", "B", "BOOL", "NULL")
SET_TYPES = ("SS", "NS", "BS")
DOCUMENT_TYPES = ("L", "M")
ALL_TYPES = SCALAR_TYPES + SET_TYPES + DOCUMENT_TYPES
KEY_TYPES = ("S", "N", "B")

EMPTY_VALUES = ("omit", "null", "keep")

TRUE_WORDS = frozenset(("true", "yes", "1", "y", "on"))
FALSE_WORDS = frozenset(("false", "no", "0", "n", "off"))
NULL_WORDS = frozenset(("", "null", "true"))

MAX_ITEM_BYTES = 400 * 1024
FIELD_SIZE_LIMIT = 4 * MAX_ITEM_BYTES
MAX_KEY_BYTES = {"HASH": 2048, "RANGE": 1024}

# DynamoDB numbers: up to 38 significant digits, magnitude 1E-130 .. 9.99..E+125.
_NUMBER_CONTEXT = decimal.Context(prec=38, Emin=-999, Emax=999, traps=[decimal.InvalidOperation])
_MAX_NUMBER = decimal.Decimal("9.9999999999999999999999999999999999999E+125")
_MIN_NUMBER = decimal.Decimal("1E-130")


class CsvError(ValueError):
    """A problem with the input, located by line (1-based, physical) and column name."""

    def __init__(self, message, line=None, column=None, source=None):
        self.message = message
        self.line = line
        self.column = column
        self.source = source
        super(CsvError, self).__init__(self.__str__())

    def __str__(self):
        where = []
        if self.source:
            where.append(str(self.source))
        if self.line is not None:
            where.append("line %d" % self.line)
        if self.column is not None:
            where.append("column %r" % self.column)
        return "%s: %s" % (", ".join(where), self.message) if where else self.message


# ---------------------------------------------------------------------------
# numbers


def parse_number(text):
    """Validate a DynamoDB number; return the canonical Decimal (``1.50`` and ``1.5`` are equal)."""
    cell = text.strip()
    try:
        value = decimal.Decimal(cell)
    except decimal.InvalidOperation:
        raise ValueError("%r is not a number" % text)
    if not value.is_finite():
        raise ValueError("%r is not a number DynamoDB accepts (no NaN or Infinity)" % text)
    if value.is_zero():
        return decimal.Decimal(0)
    digits = "".join(str(d) for d in value.as_tuple().digits).strip("0")
    if len(digits) > 38:
        raise ValueError("%r has %d significant digits; DynamoDB keeps at most 38" % (text, len(digits)))
    magnitude = abs(value)
    if magnitude > _MAX_NUMBER or magnitude < _MIN_NUMBER:
        raise ValueError("%r is outside the range DynamoDB stores (1E-130 to 9.9999999999999999999999999999999999999E+125)" % text)
    return value.normalize(_NUMBER_CONTEXT)


def canonical_number(text):
    """The canonical text of a valid DynamoDB number, for comparison and digests."""
    return str(parse_number(text))


_PLAIN_NUMBER = re.compile(r"-?[0-9]{1,38}(?:\.[0-9]{1,38})?\Z")


def _plain_number(text):
    """``text`` when it is a plain decimal DynamoDB surely accepts (38 significant digits or fewer,
    no exponent, so within DynamoDB's range); otherwise None and parse_number decides."""
    if _PLAIN_NUMBER.match(text) is None:
        return None
    digits = text.lstrip("-").replace(".", "").strip("0")
    return text if len(digits) <= 38 else None


def _number_wire(text):
    parse_number(text)
    return text.strip()


# ---------------------------------------------------------------------------
# cells -> attribute values


def _parse_bool(text):
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("%r is not a boolean (use true/false, yes/no or 1/0)" % text)


def _parse_binary(text):
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("%r is not valid base64" % (text if len(text) <= 40 else text[:37] + "..."))


def _json_cell(text, expected):
    try:
        value = json.loads(text, parse_float=decimal.Decimal, parse_int=decimal.Decimal)
    except ValueError as exc:
        raise ValueError("cell is not valid JSON (%s)" % exc)
    if not isinstance(value, expected):
        raise ValueError("cell must be a JSON %s" % ("array" if expected is list else "object"))
    return value


def _set_value(text, set_type):
    values = _json_cell(text, list)
    if not values:
        raise ValueError("DynamoDB sets cannot be empty")
    out = []
    for element in values:
        if set_type == "SS":
            if not isinstance(element, str):
                raise ValueError("SS elements must be strings, got %r" % (element,))
            out.append(element)
        elif set_type == "NS":
            if isinstance(element, bool) or not isinstance(element, (str, decimal.Decimal)):
                raise ValueError("NS elements must be numbers, got %r" % (element,))
            out.append(_number_wire(str(element)))
        else:
            if not isinstance(element, str):
                raise ValueError("BS elements must be base64 strings, got %r" % (element,))
            out.append(_parse_binary(element))
    canon = [canonical_number(v) for v in out] if set_type == "NS" else out
    if len(set(canon)) != len(canon):
        raise ValueError("the set holds duplicate elements, which DynamoDB refuses")
    return out


def json_to_attribute(value):
    """A JSON value (numbers as Decimal) as a DynamoDB attribute value (for L and M cells)."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, decimal.Decimal):
        return {"N": _number_wire(str(value))}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list):
        return {"L": [json_to_attribute(v) for v in value]}
    if isinstance(value, dict):
        return {"M": dict((k, json_to_attribute(v)) for k, v in value.items())}
    raise ValueError("unsupported JSON value %r" % (value,))


def cell_to_attribute(text, attr_type):
    """Convert one non-empty cell; raise ValueError with a message for the user."""
    if attr_type == "S":
        return {"S": text}
    if attr_type == "N":
        return {"N": _number_wire(text)}
    if attr_type == "BOOL":
        return {"BOOL": _parse_bool(text)}
    if attr_type == "NULL":
        if text.strip().lower() not in NULL_WORDS:
            raise ValueError("%r is not a NULL cell (leave it empty, or write null)" % text)
        return {"NULL": True}
    if attr_type == "B":
        return {"B": _parse_binary(text)}
    if attr_type in SET_TYPES:
        return {attr_type: _set_value(text, attr_type)}
    if attr_type == "L":
        return {"L": [json_to_attribute(v) for v in _json_cell(text, list)]}
    if attr_type == "M":
        return {"M": dict((k, json_to_attribute(v)) for k, v in _json_cell(text, dict).items())}
    raise ValueError("unknown DynamoDB type %r" % attr_type)


# ---------------------------------------------------------------------------
# sizes


def _number_size(wire):
    digits = wire.lstrip("-+").split("e")[0].split("E")[0].replace(".", "").strip("0")
    return (len(digits) + 1) // 2 + 1


def attribute_size(value):
    """DynamoDB's size of an attribute value in bytes (as its documentation counts it)."""
    (kind, inner), = value.items()
    if kind == "S":
        return len(inner.encode("utf-8"))
    if kind == "N":
        return _number_size(inner)
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(v.encode("utf-8")) for v in inner)
    if kind == "NS":
        return sum(_number_size(v) for v in inner)
    if kind == "BS":
        return sum(len(v) for v in inner)
    if kind == "L":
        return 3 + sum(1 + attribute_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + attribute_size(v) for k, v in inner.items())
    raise ValueError("unknown attribute kind %r" % kind)


def item_size(item):
    return sum(len(name.encode("utf-8")) + attribute_size(value) for name, value in item.items())


# ---------------------------------------------------------------------------
# canonical forms (what DynamoDB would store) for comparison


def canonical_attribute(value):
    (kind, inner), = value.items()
    if kind == "N":
        return ("N", canonical_number(inner))
    if kind == "NS":
        return ("NS", tuple(sorted(canonical_number(v) for v in inner)))
    if kind in ("SS", "BS"):
        return (kind, tuple(sorted(bytes(v) if kind == "BS" else v for v in inner)))
    if kind == "B":
        return ("B", bytes(inner))
    if kind == "L":
        return ("L", tuple(canonical_attribute(v) for v in inner))
    if kind == "M":
        return ("M", tuple(sorted((k, canonical_attribute(v)) for k, v in inner.items())))
    return (kind, inner)


def canonical_item(item):
    return tuple(sorted((name, canonical_attribute(value)) for name, value in item.items()))


def key_digest(key_values):
    """A 64-bit digest of canonical key values, for duplicate detection in bounded memory."""
    return int.from_bytes(hashlib.blake2b(repr(key_values).encode("utf-8"), digest_size=8).digest(), "big")


def item_digest(item):
    """A 64-bit digest of an item as DynamoDB stores it (never 0): equal items, equal digests."""
    digest = int.from_bytes(hashlib.blake2b(repr(canonical_item(item)).encode("utf-8"), digest_size=8).digest(), "big")
    return digest or 1


# ---------------------------------------------------------------------------
# the converter


class RowConverter(object):
    """Turns CSV rows (lists of cells) into DynamoDB items for one table.

    ``key_schema``: [(name, 'HASH'|'RANGE', 'S'|'N'|'B')]; ``column_types``: {column: type}.
    """

    def __init__(self, header, key_schema, column_types=None, empty_values="omit", source=None):
        self.header = list(header)
        self.source = source
        self.empty_values = empty_values
        self.key_schema = list(key_schema)
        column_types = dict(column_types or {})
        self.width = len(self.header)
        seen = set()
        for column in self.header:
            if column in seen:
                raise CsvError("the header names column %r twice" % column, line=1, source=source)
            if column == "":
                raise CsvError("the header has an empty column name", line=1, source=source)
            seen.add(column)
        for name, _role, _type in self.key_schema:
            if name not in seen:
                raise CsvError(
                    "key column %r is missing (the header has: %s)" % (name, ", ".join(self.header)), line=1, source=source
                )
        key_types = dict((name, attr_type) for name, _role, attr_type in self.key_schema)
        for column, attr_type in column_types.items():
            if attr_type not in ALL_TYPES:
                raise CsvError("column_types: %r is not a DynamoDB type (%s)" % (attr_type, ", ".join(ALL_TYPES)), column=column)
            if column in key_types and attr_type != key_types[column]:
                raise CsvError(
                    "column_types: %r is a key of type %s in the table; it cannot be loaded as %s" % (column, key_types[column], attr_type),
                    column=column,
                )
        unknown = sorted(set(column_types) - seen)
        if unknown:
            raise CsvError("column_types names columns the CSV does not have: %s" % ", ".join(unknown), line=1, source=source)
        self.types = [key_types.get(c) or column_types.get(c, "S") for c in self.header]
        self.key_index = [(self.header.index(name), name, role) for name, role, _type in self.key_schema]
        self._is_key = [c in key_types for c in self.header]
        self._name_bytes = [len(c.encode("utf-8")) for c in self.header]
        self.last_size = 0  # bytes of the item convert() returned last

    def convert(self, row, line):
        """One row -> item; raise CsvError naming the line and column."""
        if len(row) != self.width:
            raise CsvError(
                "the row has %d fields, the header has %d" % (len(row), self.width), line=line, source=self.source
            )
        item = {}
        size = 0
        for column, cell, attr_type, is_key, name_bytes in zip(self.header, row, self.types, self._is_key, self._name_bytes):
            if cell == "":
                if is_key:
                    raise CsvError("key cell is empty", line=line, column=column, source=self.source)
                if attr_type == "NULL" or self.empty_values == "null":
                    item[column] = {"NULL": True}
                    size += name_bytes + 1
                elif self.empty_values == "keep" and attr_type == "S":
                    item[column] = {"S": ""}
                    size += name_bytes
                continue
            # The two common types inline (sizes as attribute_size counts them); the rest via cell_to_attribute.
            if attr_type == "S":
                item[column] = {"S": cell}
                size += name_bytes + (len(cell) if cell.isascii() else len(cell.encode("utf-8")))
                continue
            try:
                if attr_type == "N":
                    wire = _plain_number(cell) or _number_wire(cell)
                    item[column] = {"N": wire}
                    size += name_bytes + _number_size(wire)
                    continue
                value = cell_to_attribute(cell, attr_type)
            except ValueError as exc:
                raise CsvError("%s (type %s)" % (exc, attr_type), line=line, column=column, source=self.source)
            item[column] = value
            size += name_bytes + attribute_size(value)
        for index, name, role in self.key_index:
            key_size = attribute_size(item[name])
            if key_size > MAX_KEY_BYTES[role]:
                raise CsvError(
                    "%s key is %d bytes; DynamoDB allows %d" % (role.lower(), key_size, MAX_KEY_BYTES[role]),
                    line=line, column=name, source=self.source,
                )
        self.last_size = size
        if size > MAX_ITEM_BYTES:
            raise CsvError(
                "the item is %d bytes; DynamoDB's limit is 400 KB (%d bytes)" % (size, MAX_ITEM_BYTES), line=line, source=self.source
            )
        return item

    def key_of(self, item):
        return dict((name, item[name]) for _index, name, _role in self.key_index)

    def key_values(self, item):
        return tuple(canonical_attribute(item[name]) for _index, name, _role in self.key_index)

    def key_text(self, item):
        """The key as a short human string for messages: order_id=o-1, item_id=i-2."""
        parts = []
        for _index, name, _role in self.key_index:
            (_kind, value), = item[name].items()
            if isinstance(value, bytes):
                value = base64.b64encode(value).decode("ascii")
            parts.append("%s=%s" % (name, value))
        return ", ".join(parts)


# ---------------------------------------------------------------------------
# reading


def is_ascii_compatible(encoding):
    try:
        return "a,\n".encode(encoding) == b"a,\n"
    except LookupError:
        raise CsvError("unknown encoding %r" % encoding)


def decoded_lines(binary_stream, encoding, source=None):
    """Decode a byte stream line by line, naming the line of any invalid bytes.

    A UTF-8 byte-order mark at the start is dropped. For encodings that are not
    ASCII-compatible (UTF-16, ...) the stream is decoded incrementally instead.
    """
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise CsvError("unknown encoding %r" % encoding) from None
    if not is_ascii_compatible(encoding):
        reader = codecs.getreader(codec.name)(binary_stream, errors="strict")
        line_number = 0
        try:
            for line in reader:
                line_number += 1
                yield line
        except UnicodeDecodeError as exc:
            raise CsvError("bytes not valid in %s (%s)" % (encoding, exc.reason), line=line_number + 1, source=source)
        return
    line_number = 0
    for raw in binary_stream:
        line_number += 1
        if line_number == 1 and raw.startswith(codecs.BOM_UTF8) and codec.name in ("utf-8", "utf-8-sig"):
            raw = raw[len(codecs.BOM_UTF8):]
        try:
            yield raw.decode(codec.name)
        except UnicodeDecodeError as exc:
            raise CsvError(
                "bytes not valid in %s at byte %d of the line (%s)" % (encoding, exc.start + 1, exc.reason),
                line=line_number, source=source,
            )


def csv_rows(lines, delimiter=",", source=None):
    """Yield (line number of the row's first line, cells) from decoded lines."""
    # a cell may be as large as an item (400 KB) in any encoding; larger is refused later, by size
    if csv.field_size_limit() < FIELD_SIZE_LIMIT:
        csv.field_size_limit(FIELD_SIZE_LIMIT)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    line = 1
    try:
        for row in reader:
            for index, cell in enumerate(row):
                if "\x00" in cell:
                    raise CsvError(
                        "a NUL byte in column %d (often a UTF-16 file read as UTF-8: set the encoding)" % (index + 1),
                        line=line, source=source,
                    )
            if row:  # a blank line is no row
                yield line, row
            line = reader.line_num + 1
    except csv.Error as exc:
        raise CsvError("malformed CSV (%s)" % exc, line=reader.line_num, source=source)
