"""CSV row -> DynamoDB item conversion: what a user loading a file would notice."""

from __future__ import annotations

import io

import pytest

from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_items import (
    CsvError,
    RowConverter,
    canonical_item,
    cell_to_attribute,
    csv_rows,
    decoded_lines,
    item_size,
)

KEYS = [("order_id", "HASH", "S"), ("item_id", "RANGE", "N")]
HEADER = ["order_id", "item_id", "qty", "paid", "note", "tags", "doc", "blob"]
TYPES = {"qty": "N", "paid": "BOOL", "tags": "SS", "doc": "M", "blob": "B"}


def converter(**kwargs):
    return RowConverter(HEADER, KEYS, column_types=kwargs.pop("types", TYPES), source="orders.csv", **kwargs)


def test_row_becomes_typed_item():
    item = converter().convert(["o-1", "7", "1.50", "Yes", "hi", '["a","b"]', '{"n": 1.25, "ok": true, "x": null}', "AAE="], 2)
    assert item == {
        "order_id": {"S": "o-1"},
        "item_id": {"N": "7"},
        "qty": {"N": "1.50"},
        "paid": {"BOOL": True},
        "note": {"S": "hi"},
        "tags": {"SS": ["a", "b"]},
        "doc": {"M": {"n": {"N": "1.25"}, "ok": {"BOOL": True}, "x": {"NULL": True}}},
        "blob": {"B": b"\x00\x01"},
    }


@pytest.mark.parametrize("word,value", [("true", True), ("FALSE", False), ("yes", True), ("No", False), ("1", True), ("0", False)])
def test_booleans_any_case(word, value):
    assert cell_to_attribute(word, "BOOL") == {"BOOL": value}


def test_numbers_compare_as_dynamodb_stores_them():
    a = {"k": {"N": "1.50"}, "s": {"NS": ["2", "1.0"]}}
    b = {"s": {"NS": ["1", "2.00"]}, "k": {"N": "1.5"}}
    assert canonical_item(a) == canonical_item(b)
    assert canonical_item({"k": {"N": "1.5"}}) != canonical_item({"k": {"N": "1.51"}})


def test_sets_are_unordered_and_lists_are_not():
    assert canonical_item({"t": {"SS": ["a", "b"]}}) == canonical_item({"t": {"SS": ["b", "a"]}})
    assert canonical_item({"t": {"L": [{"S": "a"}, {"S": "b"}]}}) != canonical_item({"t": {"L": [{"S": "b"}, {"S": "a"}]}})


@pytest.mark.parametrize(
    "row,column,fragment",
    [
        (["o-1", "x7", "1", "yes", "", "", "", ""], "item_id", "not a number"),
        (["o-1", "7", "1e999", "yes", "", "", "", ""], "qty", "outside the range"),
        (["o-1", "7", "12345678901234567890123456789012345678901", "yes", "", "", "", ""], "qty", "38"),
        (["o-1", "7", "NaN", "yes", "", "", "", ""], "qty", "NaN"),
        (["o-1", "7", "1", "maybe", "", "", "", ""], "paid", "not a boolean"),
        (["o-1", "7", "1", "yes", "", "[1]", "", ""], "tags", "SS elements must be strings"),
        (["o-1", "7", "1", "yes", "", '["a","a"]', "", ""], "tags", "duplicate"),
        (["o-1", "7", "1", "yes", "", "[]", "", ""], "tags", "cannot be empty"),
        (["o-1", "7", "1", "yes", "", "", "{bad", ""], "doc", "not valid JSON"),
        (["o-1", "7", "1", "yes", "", "", "[1]", ""], "doc", "JSON object"),
        (["o-1", "7", "1", "yes", "", "", "", "!!notbase64"], "blob", "base64"),
        (["", "7", "1", "yes", "", "", "", ""], "order_id", "key cell is empty"),
    ],
)
def test_bad_cells_name_line_and_column(row, column, fragment):
    with pytest.raises(CsvError) as info:
        converter().convert(row, 41)
    message = str(info.value)
    assert "orders.csv" in message and "line 41" in message and repr(column) in message
    assert fragment in message


def test_wrong_field_count_is_refused():
    with pytest.raises(CsvError, match="line 3: the row has 2 fields, the header has 8"):
        converter().convert(["o-1", "7"], 3)


def test_missing_key_column_is_refused():
    with pytest.raises(CsvError, match="key column 'item_id' is missing"):
        RowConverter(["order_id", "qty"], KEYS)


def test_key_column_type_cannot_be_overridden():
    with pytest.raises(CsvError, match="is a key of type N"):
        RowConverter(HEADER, KEYS, column_types={"item_id": "S"})


@pytest.mark.parametrize(
    "mode,expected",
    [("omit", {}), ("null", {"note": {"NULL": True}, "qty": {"NULL": True}}), ("keep", {"note": {"S": ""}})],
)
def test_empty_values(mode, expected):
    conv = RowConverter(["order_id", "item_id", "note", "qty"], KEYS, column_types={"qty": "N"}, empty_values=mode)
    item = conv.convert(["o-1", "1", "", ""], 2)
    rest = {k: v for k, v in item.items() if k not in ("order_id", "item_id")}
    assert rest == expected


def test_item_over_400_kb_is_refused():
    conv = RowConverter(["order_id", "item_id", "big"], KEYS)
    with pytest.raises(CsvError, match="400 KB"):
        conv.convert(["o-1", "1", "x" * (400 * 1024)], 9)
    assert item_size({"a": {"S": "xyz"}, "n": {"N": "123"}}) == 1 + 3 + 1 + 3


def test_bom_dropped_and_bad_bytes_located():
    data = io.BytesIO("\ufefforder_id,item_id\no-1,1\n".encode("utf-8") + b"o-\xff,2\n")
    lines = decoded_lines(data, "utf-8", source="f.csv")
    assert next(lines) == "order_id,item_id\n"
    assert next(lines) == "o-1,1\n"
    with pytest.raises(CsvError, match="f.csv, line 3: bytes not valid in utf-8 at byte 3"):
        next(lines)


def test_utf16_files_are_read():
    data = io.BytesIO("order_id,item_id\no-1,1\n".encode("utf-16"))
    rows = list(csv_rows(decoded_lines(data, "utf-16")))
    assert rows == [(1, ["order_id", "item_id"]), (2, ["o-1", "1"])]


def test_rows_report_their_first_physical_line():
    text = 'a,b\n1,"two\nlines"\n3,4\n'
    rows = list(csv_rows(io.StringIO(text)))
    assert rows == [(1, ["a", "b"]), (2, ["1", "two\nlines"]), (4, ["3", "4"])]


@pytest.mark.parametrize(
    "cell,accepted",
    [
        ("1.50", True),
        ("-0", True),
        ("007", True),
        ("9" * 38, True),
        ("9" * 39, False),  # 39 significant digits
        ("1" * 20 + "." + "1" * 20, False),  # 40 significant digits, each part short
        ("1" * 20 + "." + "1" * 18 + "000", True),  # trailing zeros are not significant
        ("0." + "0" * 40 + "1", True),  # long fraction: decided by the full parser
        ("1e3", True),
        (" 12 ", True),
        ("1.", True),
        ("--1", False),
    ],
)
def test_numbers_are_accepted_exactly_as_dynamodb_does(cell, accepted):
    row = ["o-1", "7", cell, "yes", "", "", "", ""]
    if accepted:
        item = converter().convert(row, 2)
        assert item["qty"] == {"N": cell.strip()}
    else:
        with pytest.raises(CsvError, match="'qty'"):
            converter().convert(row, 2)


@pytest.mark.parametrize("note", ["plain", "Kø­benhavn ✓", ""])
def test_the_converter_measures_items_as_item_size_does(note):
    conv = converter(empty_values="keep")
    item = conv.convert(["o-1", "7", "1.50", "no", note, '["a"]', '{"k": [1, "x"]}', "AAE="], 2)
    assert conv.last_size == item_size(item)


def test_a_nul_byte_is_refused_with_its_line_and_column():
    # what a UTF-16 file read as UTF-8 looks like: a NUL byte beside every ASCII character
    data = io.BytesIO("id,qty\n1,2\n".encode("utf-8") + "3,4\n".encode("utf-16-le"))
    with pytest.raises(CsvError) as caught:
        list(csv_rows(decoded_lines(data, "utf-8"), source="f.csv"))
    assert str(caught.value).startswith("f.csv, line 3: a NUL byte in column 1")
    assert "UTF-16" in str(caught.value)


def test_an_unknown_encoding_is_a_csv_error_naming_it():
    with pytest.raises(CsvError, match="unknown encoding 'utf-42'"):
        list(decoded_lines(io.BytesIO(b"a\n"), "utf-42"))
