"""DynamoDB ImportTable / DescribeImport / ListImports from the emulator's own S3 (dynamodb_import.py).

Each test puts its source objects into the emulator's S3 with boto3, starts an import, and moves
the emulator's clock (never sleeps) to see it end.
"""

from __future__ import annotations

import base64
import gzip
import json
import urllib.error
import urllib.request
from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT_ID, control

BUCKET = "import-source"
KEYS = [{"AttributeName": "order_id", "KeyType": "HASH"}, {"AttributeName": "item_id", "KeyType": "RANGE"}]
ATTRS = [{"AttributeName": "order_id", "AttributeType": "S"}, {"AttributeName": "item_id", "AttributeType": "N"}]
ITEM_VALIDATION = ("Some of the items failed validation checks and were not imported. "
                   "Please check CloudWatch error logs for more details.")


@pytest.fixture
def aws(client: Callable[..., Any], emulator_server: Any) -> dict[str, Any]:
    """dynamodb and s3 clients, the source bucket, and ``advance(seconds)`` of the emulator's clock."""
    control(emulator_server.endpoint, import_seconds=60)
    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET)
    return {"ddb": client("dynamodb"), "s3": s3, "advance": emulator_server.advance}


def start(ddb: Any, table: str = "orders", prefix: str = "in/", **overrides: Any) -> dict[str, Any]:
    """ImportTable of CSV under ``prefix`` into ``table`` (keys order_id S + item_id N, on demand)."""
    request: dict[str, Any] = {
        "S3BucketSource": {"S3Bucket": BUCKET, "S3KeyPrefix": prefix},
        "InputFormat": "CSV",
        "TableCreationParameters": {"TableName": table, "KeySchema": KEYS, "AttributeDefinitions": ATTRS,
                                    "BillingMode": "PAY_PER_REQUEST"},
    }
    request.update(overrides)
    return ddb.import_table(**request)["ImportTableDescription"]


def finished(aws: dict[str, Any], arn: str) -> dict[str, Any]:
    aws["advance"](61)
    return aws["ddb"].describe_import(ImportArn=arn)["ImportTableDescription"]


def items(ddb: Any, table: str = "orders") -> dict[tuple[str, str], dict[str, Any]]:
    return {(i["order_id"]["S"], i["item_id"]["N"]): i for i in ddb.scan(TableName=table)["Items"]}


def error_code(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


# --------------------------------------------------------------------------- #
# CSV, from start to end
# --------------------------------------------------------------------------- #


def test_csv_import_runs_on_the_clock_and_types_only_keys(aws: dict[str, Any]) -> None:
    ddb, s3 = aws["ddb"], aws["s3"]
    body = (b"order_id,item_id,sku,quantity,note\n"
            b"A-1,1,SKU-1,3,first\n"
            b"A-1,2,SKU-2,,\n"             # empty cells are left out
            b"\n"                          # an empty line is no item
            b"B-7,1,SKU-9,0012,\"say \"\"hi\"\", twice\"\n"
            b"A-1,1,SKU-1,4,again\n")      # the same key: the last one read wins
    s3.put_object(Bucket=BUCKET, Key="in/part-1.csv", Body=body)
    s3.put_object(Bucket=BUCKET, Key="elsewhere/part-9.csv", Body=b"order_id,item_id\nZ,9\n")

    started = start(ddb)
    assert started["ImportStatus"] == "IN_PROGRESS"
    assert started["ImportArn"].startswith(started["TableArn"] + "/import/")
    assert started["TableArn"] == f"arn:aws:dynamodb:us-east-1:{ACCOUNT_ID}:table/orders"
    assert started["CloudWatchLogGroupArn"] == (
        f"arn:aws:logs:us-east-1:{ACCOUNT_ID}:log-group:/aws-dynamodb/imports:*")
    assert started["S3BucketSource"] == {"S3Bucket": BUCKET, "S3KeyPrefix": "in/", "S3BucketOwner": ACCOUNT_ID}
    assert started["InputCompressionType"] == "NONE"
    assert started["ClientToken"]  # botocore makes one up
    for absent in ("EndTime", "ProcessedSizeBytes", "FailureCode", "FailureMessage"):
        assert absent not in started

    aws["advance"](59)
    running = ddb.describe_import(ImportArn=started["ImportArn"])["ImportTableDescription"]
    assert running["ImportStatus"] == "IN_PROGRESS"
    assert (running["ProcessedItemCount"], running["ImportedItemCount"], running["ErrorCount"]) == (0, 0, 0)
    table = ddb.describe_table(TableName="orders")["Table"]
    assert table["TableStatus"] == "CREATING"
    assert table["TableId"] == started["TableId"]
    assert table["ItemCount"] == 0
    assert error_code(lambda: ddb.scan(TableName="orders"))[0] == "ResourceNotFoundException"
    item = {"order_id": {"S": "x"}, "item_id": {"N": "1"}}
    assert error_code(lambda: ddb.put_item(TableName="orders", Item=item))[0] == "ResourceNotFoundException"
    assert error_code(lambda: ddb.delete_table(TableName="orders"))[0] == "ResourceInUseException"

    aws["advance"](1)
    done = ddb.describe_import(ImportArn=started["ImportArn"])["ImportTableDescription"]
    assert done["ImportStatus"] == "COMPLETED"
    assert (done["EndTime"] - done["StartTime"]).total_seconds() == pytest.approx(60, abs=0.01)
    assert done["ProcessedSizeBytes"] == len(body)
    assert (done["ProcessedItemCount"], done["ImportedItemCount"], done["ErrorCount"]) == (4, 4, 0)
    assert "FailureCode" not in done
    table = ddb.describe_table(TableName="orders")["Table"]
    assert (table["TableStatus"], table["ItemCount"]) == ("ACTIVE", 3)
    got = items(ddb)
    assert set(got) == {("A-1", "1"), ("A-1", "2"), ("B-7", "1")}
    assert got[("A-1", "1")] == {"order_id": {"S": "A-1"}, "item_id": {"N": "1"}, "sku": {"S": "SKU-1"},
                                 "quantity": {"S": "4"}, "note": {"S": "again"}}
    assert got[("A-1", "2")] == {"order_id": {"S": "A-1"}, "item_id": {"N": "2"}, "sku": {"S": "SKU-2"}}
    assert got[("B-7", "1")]["quantity"] == {"S": "0012"}  # not a key: a string, as written
    assert got[("B-7", "1")]["note"] == {"S": 'say "hi", twice'}


def test_header_list_and_delimiter_make_the_first_line_data(aws: dict[str, Any]) -> None:
    ddb, s3 = aws["ddb"], aws["s3"]
    s3.put_object(Bucket=BUCKET, Key="in/a.tsv", Body=b"A\t1\tfirst line\nB\t2\tsecond; line\n")
    s3.put_object(Bucket=BUCKET, Key="in/b.tsv", Body=b"C\t3\tother file\n")
    arn = start(ddb, InputFormatOptions={"Csv": {"Delimiter": "\t", "HeaderList": ["order_id", "item_id", "text"]}})[
        "ImportArn"]
    done = finished(aws, arn)
    assert done["ImportStatus"] == "COMPLETED"
    assert done["InputFormatOptions"] == {"Csv": {"Delimiter": "\t", "HeaderList": ["order_id", "item_id", "text"]}}
    assert {key: item["text"]["S"] for key, item in items(ddb).items()} == {
        ("A", "1"): "first line", ("B", "2"): "second; line", ("C", "3"): "other file"}


def test_gzip_objects_count_uncompressed_bytes(aws: dict[str, Any]) -> None:
    ddb, s3 = aws["ddb"], aws["s3"]
    parts = [b"order_id,item_id,v\nA,1,x\nA,2,y\n", b"order_id,item_id,v\nB,1,z\n"]
    for n, part in enumerate(parts):
        s3.put_object(Bucket=BUCKET, Key=f"in/part-{n}.csv.gz", Body=gzip.compress(part))
    s3.put_object(Bucket=BUCKET, Key="in/empty.csv.gz", Body=b"")  # a zero-length object is zero items
    done = finished(aws, start(ddb, InputCompressionType="GZIP")["ImportArn"])
    assert done["ImportStatus"] == "COMPLETED"
    assert done["InputCompressionType"] == "GZIP"
    assert done["ProcessedSizeBytes"] == sum(len(part) for part in parts)
    assert done["ImportedItemCount"] == 3
    assert set(items(ddb)) == {("A", "1"), ("A", "2"), ("B", "1")}


def test_an_imported_table_backs_up_and_restores(aws: dict[str, Any]) -> None:
    ddb = aws["ddb"]
    aws["s3"].put_object(Bucket=BUCKET, Key="in/a.csv", Body=b"order_id,item_id,v\nA,1,x\nA,2,y\n")
    finished(aws, start(ddb)["ImportArn"])
    backup = ddb.create_backup(TableName="orders", BackupName="orders-backup")["BackupDetails"]["BackupArn"]
    ddb.restore_table_from_backup(TargetTableName="orders-copy", BackupArn=backup)
    assert set(items(ddb, "orders-copy")) == {("A", "1"), ("A", "2")}


def test_the_result_is_there_as_soon_as_the_clock_reaches_the_end(aws: dict[str, Any], endpoint: str) -> None:
    control(endpoint, import_seconds=0)
    rows = "".join(f"order-{n // 4},{n % 4},{n}\n" for n in range(20000))
    aws["s3"].put_object(Bucket=BUCKET, Key="in/big.csv", Body=("order_id,item_id,n\n" + rows).encode())
    started = start(aws["ddb"])
    assert started["ImportStatus"] == "IN_PROGRESS"  # ImportTable always answers so
    done = aws["ddb"].describe_import(ImportArn=started["ImportArn"])["ImportTableDescription"]
    assert (done["ImportStatus"], done["ImportedItemCount"]) == ("COMPLETED", 20000)
    assert aws["ddb"].describe_table(TableName="orders")["Table"]["ItemCount"] == 20000


# --------------------------------------------------------------------------- #
# What makes an import FAIL
# --------------------------------------------------------------------------- #


def test_bad_rows_are_counted_and_skip_the_rest_of_their_object(aws: dict[str, Any]) -> None:
    ddb, s3 = aws["ddb"], aws["s3"]
    header = b"order_id,item_id,v\n"
    s3.put_object(Bucket=BUCKET, Key="in/0-good.csv", Body=header + b"G,1,kept\nG,2,kept too\n")
    bad = {
        "1-missing-hash": b",1,x\n",
        "2-bad-number": b"X,one,x\n",
        "3-missing-range": b"X,,x\n",
        "4-columns": b"X,1\n",
        "5-quoting": b'X,1,"open\n',
    }
    for name, line in bad.items():  # each bad line first, a good one after it that is never read
        s3.put_object(Bucket=BUCKET, Key=f"in/{name}.csv", Body=header + line + b"N,9,never read\n")
    s3.put_object(Bucket=BUCKET, Key="in/6-not-utf8.csv", Body=header + b"X,1,\xff\xfe\n")
    s3.put_object(Bucket=BUCKET, Key="in/7-good-then-bad.csv", Body=header + b"H,1,kept\nH,x,bad\nH,2,not read\n")

    done = finished(aws, start(ddb)["ImportArn"])
    assert done["ImportStatus"] == "FAILED"
    assert done["FailureCode"] == "ItemValidationError"
    assert done["FailureMessage"] == ITEM_VALIDATION
    assert done["ErrorCount"] == len(bad) + 2
    assert done["ImportedItemCount"] == 3
    assert done["ProcessedItemCount"] == done["ImportedItemCount"] + done["ErrorCount"]
    table = ddb.describe_table(TableName="orders")["Table"]
    assert table["TableStatus"] == "ACTIVE"  # the table stays, with what was valid
    assert set(items(ddb)) == {("G", "1"), ("G", "2"), ("H", "1")}


def test_missing_bucket_fails_and_creates_no_table(aws: dict[str, Any]) -> None:
    ddb = aws["ddb"]
    started = start(ddb, S3BucketSource={"S3Bucket": "no-such-bucket", "S3KeyPrefix": "in/"})
    assert started["ImportStatus"] == "IN_PROGRESS"
    assert error_code(lambda: ddb.describe_table(TableName="orders"))[0] == "ResourceNotFoundException"
    done = finished(aws, started["ImportArn"])
    assert done["ImportStatus"] == "FAILED"
    assert done["FailureCode"] == "S3NoSuchBucket"
    assert done["FailureMessage"].startswith("The specified bucket does not exist (Service: Amazon S3; "
                                             "Status Code: 404; Error Code: NoSuchBucket;")
    assert (done["ProcessedItemCount"], done["ImportedItemCount"], done["ErrorCount"]) == (0, 0, 0)
    assert error_code(lambda: ddb.describe_table(TableName="orders"))[0] == "ResourceNotFoundException"


def test_wrong_bucket_owner_is_access_denied(aws: dict[str, Any]) -> None:
    ddb, s3 = aws["ddb"], aws["s3"]
    s3.put_object(Bucket=BUCKET, Key="in/a.csv", Body=b"order_id,item_id\nA,1\n")
    done = finished(aws, start(ddb, S3BucketSource={"S3Bucket": BUCKET, "S3KeyPrefix": "in/",
                                                    "S3BucketOwner": "210987654321"})["ImportArn"])
    assert (done["ImportStatus"], done["FailureCode"]) == ("FAILED", "S3AccessDenied")
    assert "Error Code: AccessDenied" in done["FailureMessage"]
    assert error_code(lambda: ddb.describe_table(TableName="orders"))[0] == "ResourceNotFoundException"


def test_a_prefix_with_no_objects_completes_with_an_empty_table(aws: dict[str, Any]) -> None:
    ddb = aws["ddb"]
    done = finished(aws, start(ddb, prefix="nothing-here/")["ImportArn"])
    assert done["ImportStatus"] == "COMPLETED"
    assert (done["ProcessedItemCount"], done["ImportedItemCount"], done["ErrorCount"]) == (0, 0, 0)
    assert ddb.describe_table(TableName="orders")["Table"]["TableStatus"] == "ACTIVE"
    assert ddb.scan(TableName="orders")["Items"] == []


# --------------------------------------------------------------------------- #
# What ImportTable refuses at the call
# --------------------------------------------------------------------------- #


def test_an_existing_table_is_refused_at_the_call(aws: dict[str, Any]) -> None:
    ddb = aws["ddb"]
    ddb.create_table(TableName="orders", KeySchema=KEYS, AttributeDefinitions=ATTRS, BillingMode="PAY_PER_REQUEST")
    assert error_code(lambda: start(ddb)) == ("ResourceInUseException", "Table already exists: orders")
    assert ddb.list_imports()["ImportSummaryList"] == []


def test_client_token_replays_and_conflicts(aws: dict[str, Any]) -> None:
    ddb, s3 = aws["ddb"], aws["s3"]
    s3.put_object(Bucket=BUCKET, Key="in/a.csv", Body=b"order_id,item_id\nA,1\n")
    first = start(ddb, ClientToken="token-1")
    assert first["ClientToken"] == "token-1"
    again = start(ddb, ClientToken="token-1")  # the same request while it runs: the same import
    assert (again["ImportArn"], again["TableId"]) == (first["ImportArn"], first["TableId"])
    moved = start(ddb, prefix="other/", ClientToken="token-1", InputCompressionType="GZIP")
    assert moved["ImportArn"] == first["ImportArn"]  # as AWS: the source is not compared
    assert moved["S3BucketSource"]["S3KeyPrefix"] == "in/"
    assert error_code(lambda: start(ddb, table="orders-2", ClientToken="token-1")) == (
        "ImportConflictException", "Import conflict: Duplicate request detected with conflicting parameters")
    assert len(ddb.list_imports()["ImportSummaryList"]) == 1
    finished(aws, first["ImportArn"])
    # once it ended its table exists, which is refused before the token is looked at
    assert error_code(lambda: start(ddb, ClientToken="token-1"))[0] == "ResourceInUseException"


def test_a_token_whose_import_left_no_table_holds_for_8_hours(aws: dict[str, Any]) -> None:
    ddb = aws["ddb"]
    source = {"S3Bucket": "no-such-bucket"}
    first = start(ddb, ClientToken="token-2", S3BucketSource=source)
    finished(aws, first["ImportArn"])
    assert start(ddb, ClientToken="token-2", S3BucketSource=source)["ImportArn"] == first["ImportArn"]
    aws["advance"](8 * 3600)
    assert start(ddb, ClientToken="token-2", S3BucketSource=source)["ImportArn"] != first["ImportArn"]


def raw_import_table(endpoint: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """ImportTable without botocore (which always sends a ClientToken)."""
    request = urllib.request.Request(endpoint, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ImportTable",
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, "
                         "SignedHeaders=host, Signature=0"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_client_token_is_required(endpoint: str) -> None:
    body = {"S3BucketSource": {"S3Bucket": BUCKET}, "InputFormat": "CSV",
            "TableCreationParameters": {"TableName": "orders", "KeySchema": KEYS, "AttributeDefinitions": ATTRS,
                                        "BillingMode": "PAY_PER_REQUEST"}}
    status, answer = raw_import_table(endpoint, body)
    assert status == 400
    assert answer["__type"].endswith("ValidationException")
    assert "clientToken" in answer["message"]


#: (what is wrong, the request's members that make it so, what the message must name)
INVALID_REQUESTS = [
    ("format", {"InputFormat": "XML"}, "inputFormat"),
    ("compression", {"InputCompressionType": "BZIP2"}, "inputCompressionType"),
    ("options-not-csv", {"InputFormat": "DYNAMODB_JSON", "InputFormatOptions": {"Csv": {"Delimiter": ","}}},
     "InputFormatOptions"),
    ("delimiter", {"InputFormatOptions": {"Csv": {"Delimiter": "x"}}}, "delimiter"),
    ("header-list", {"InputFormatOptions": {"Csv": {"HeaderList": ["a,b"]}}}, "headerList"),
    ("bucket", {"S3BucketSource": {"S3Bucket": "-nope!"}}, "s3Bucket"),
    ("prefix", {"S3BucketSource": {"S3Bucket": BUCKET, "S3KeyPrefix": "p" * 1025}}, "s3KeyPrefix"),
    ("owner", {"S3BucketSource": {"S3Bucket": BUCKET, "S3BucketOwner": "12345"}}, "s3BucketOwner"),
    ("table-name", {"TableCreationParameters": {"TableName": "not a name!", "KeySchema": KEYS,
                                                "AttributeDefinitions": ATTRS, "BillingMode": "PAY_PER_REQUEST"}},
     "tableName"),
    ("attribute-definitions", {"TableCreationParameters": {
        "TableName": "orders", "KeySchema": KEYS, "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "other", "AttributeType": "S"}]}},
     "KeySchema"),  # "Invalid KeySchema: Some index key attribute have no definition"
    ("throughput", {"TableCreationParameters": {"TableName": "orders", "KeySchema": KEYS,
                                                "AttributeDefinitions": ATTRS}},
     "ReadCapacityUnits"),  # PROVISIONED (the default) needs ProvisionedThroughput
    ("client-token", {"ClientToken": "has$dollar"}, "clientToken"),
    ("ion-not-implemented", {"InputFormat": "ION"}, "ION"),
    ("zstd-not-implemented", {"InputCompressionType": "ZSTD"}, "ZSTD"),
]


def test_invalid_requests_are_refused_and_create_nothing(client: Callable[..., Any]) -> None:
    ddb = client("dynamodb")
    for case, overrides, member in INVALID_REQUESTS:
        code, message = error_code(lambda: start(ddb, **overrides))
        assert (case, code) == (case, "ValidationException")
        assert member in message, (case, message)
    assert ddb.list_tables()["TableNames"] == []
    assert ddb.list_imports()["ImportSummaryList"] == []


def test_at_most_50_imports_run_at_once(aws: dict[str, Any]) -> None:
    ddb = aws["ddb"]
    for n in range(50):
        start(ddb, table=f"orders-{n:02d}", prefix="none/")
    assert error_code(lambda: start(ddb, table="orders-50", prefix="none/"))[0] == "LimitExceededException"
    aws["advance"](61)
    assert start(ddb, table="orders-50", prefix="none/")["ImportStatus"] == "IN_PROGRESS"


# --------------------------------------------------------------------------- #
# Table parameters, DYNAMODB_JSON
# --------------------------------------------------------------------------- #


def test_indexes_throughput_and_encryption_reach_the_table(aws: dict[str, Any]) -> None:
    ddb, s3 = aws["ddb"], aws["s3"]
    s3.put_object(Bucket=BUCKET, Key="in/a.csv", Body=b"order_id,item_id,total,status\nA,1,9.5,open\nA,2,,open\n"
                                                       b"B,1,12,shipped\n")
    s3.put_object(Bucket=BUCKET, Key="in/b.csv", Body=b"order_id,item_id,total,status\nC,1,lots,open\n")
    done = finished(aws, start(ddb, TableCreationParameters={
        "TableName": "orders", "KeySchema": KEYS, "BillingMode": "PROVISIONED",
        "AttributeDefinitions": ATTRS + [{"AttributeName": "status", "AttributeType": "S"},
                                         {"AttributeName": "total", "AttributeType": "N"}],
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 7},
        "SSESpecification": {"Enabled": True, "SSEType": "KMS"},
        "GlobalSecondaryIndexes": [{
            "IndexName": "by-status", "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"},
                          {"AttributeName": "total", "KeyType": "RANGE"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}],
    })["ImportArn"])
    assert (done["ImportedItemCount"], done["ErrorCount"]) == (3, 1)  # "lots" is no number for the index key
    table = ddb.describe_table(TableName="orders")["Table"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 7
    assert table["SSEDescription"]["Status"] == "ENABLED"
    assert [index["IndexName"] for index in table["GlobalSecondaryIndexes"]] == ["by-status"]
    open_items = ddb.query(TableName="orders", IndexName="by-status", KeyConditionExpression="#s = :s",
                           ExpressionAttributeNames={"#s": "status"},
                           ExpressionAttributeValues={":s": {"S": "open"}})["Items"]
    assert [item["total"] for item in open_items] == [{"N": "9.5"}]  # index keys are typed; A-2 has no total


def test_dynamodb_json_still_imports(aws: dict[str, Any]) -> None:
    ddb, s3 = aws["ddb"], aws["s3"]
    blob = base64.b64encode(b"\x00\xff").decode()
    lines = [
        {"Item": {"order_id": {"S": "A"}, "item_id": {"N": "1"}, "tags": {"SS": ["x", "y"]}, "raw": {"B": blob},
                  "doc": {"M": {"n": {"N": "2"}, "l": {"L": [{"BOOL": True}, {"NULL": True}]}}}}},
        {"Item": {"order_id": {"S": "A"}, "item_id": {"N": "2"}}},
    ]
    good = "\n".join(json.dumps(line) for line in lines) + "\n   \n"  # a blank line is no item
    s3.put_object(Bucket=BUCKET, Key="in/a.json", Body=good.encode())
    s3.put_object(Bucket=BUCKET, Key="in/b.json", Body=b'{"Item": {"order_id": {"S": "B"}, "item_id": {"S": "1"}}}\n'
                                                      b'{"Item": {"order_id": {"S": "C"}, "item_id": {"N": "1"}}}\n')
    s3.put_object(Bucket=BUCKET, Key="in/c.json", Body=b'{"NotAnItem": {}}\n')
    done = finished(aws, start(ddb, InputFormat="DYNAMODB_JSON")["ImportArn"])
    assert (done["ImportStatus"], done["FailureCode"]) == ("FAILED", "ItemValidationError")
    assert (done["ProcessedItemCount"], done["ImportedItemCount"], done["ErrorCount"]) == (4, 2, 2)
    got = items(ddb)
    assert set(got) == {("A", "1"), ("A", "2")}
    assert got[("A", "1")]["raw"] == {"B": b"\x00\xff"}
    assert got[("A", "1")]["doc"] == {"M": {"n": {"N": "2"}, "l": {"L": [{"BOOL": True}, {"NULL": True}]}}}
    assert sorted(got[("A", "1")]["tags"]["SS"]) == ["x", "y"]


# --------------------------------------------------------------------------- #
# DescribeImport, ListImports
# --------------------------------------------------------------------------- #


def test_describe_import_of_unknown_and_malformed_arns(aws: dict[str, Any]) -> None:
    ddb = aws["ddb"]
    unknown = f"arn:aws:dynamodb:us-east-1:{ACCOUNT_ID}:table/orders/import/01658528578619-c4d4e311"
    assert error_code(lambda: ddb.describe_import(ImportArn=unknown))[0] == "ImportNotFoundException"
    malformed = f"arn:aws:dynamodb:us-east-1:{ACCOUNT_ID}:table/x/import/01658528578619-c4d4e311"
    code, message = error_code(lambda: ddb.describe_import(ImportArn=malformed))
    assert code == "ValidationException" and "Import ARN" in message


def test_list_imports_filters_pages_and_forgets_after_90_days(aws: dict[str, Any]) -> None:
    ddb = aws["ddb"]
    arns = [start(ddb, table=f"orders-{n}", prefix="none/")["ImportArn"] for n in range(3)]
    listed = ddb.list_imports()["ImportSummaryList"]
    assert [summary["ImportArn"] for summary in listed] == arns
    assert {summary["ImportStatus"] for summary in listed} == {"IN_PROGRESS"}  # running ones are listed
    assert set(listed[0]) == {"ImportArn", "ImportStatus", "TableArn", "S3BucketSource", "CloudWatchLogGroupArn",
                              "InputFormat", "StartTime"}
    aws["advance"](61)
    summary = ddb.list_imports(TableArn=f"arn:aws:dynamodb:us-east-1:{ACCOUNT_ID}:table/orders-1")["ImportSummaryList"]
    assert [s["ImportArn"] for s in summary] == [arns[1]]
    assert summary[0]["ImportStatus"] == "COMPLETED" and "EndTime" in summary[0]

    paged, token, pages = [], None, 0
    while True:
        page = ddb.list_imports(PageSize=1, **({"NextToken": token} if token else {}))
        paged += [s["ImportArn"] for s in page["ImportSummaryList"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert (paged, pages) == (arns, 3)

    assert error_code(lambda: ddb.list_imports(PageSize=26))[0] == "ValidationException"
    assert error_code(lambda: ddb.list_imports(NextToken="0" * 112))[0] == "ValidationException"
    aws["advance"](90 * 86400)
    assert ddb.list_imports()["ImportSummaryList"] == []
    assert ddb.describe_import(ImportArn=arns[0])["ImportTableDescription"]["ImportStatus"] == "COMPLETED"
