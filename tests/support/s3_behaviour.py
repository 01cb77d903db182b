"""What S3 answers the clients people use, asserted with boto3 (the AWS SDK for Python) against
any S3-compatible server: run once against the embedded store and once against SeaweedFS by
tests/s3_behaviour.rs, so that each assertion is shown to be S3's behaviour, not only ours.

Usage: s3_behaviour.py SCENARIO, with S3_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
set. Exits 0 when every assertion of the scenario holds; otherwise prints which did not.
"""

import datetime
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

MIB = 1024 * 1024


def client():
    return boto3.client(
        "s3",
        endpoint_url=os.environ["S3_ENDPOINT"],
        region_name="us-east-1",
        config=Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1, "mode": "standard"},
            signature_version="s3v4",
        ),
    )


def fresh_bucket(s3):
    name = "b-" + uuid.uuid4().hex[:20]
    s3.create_bucket(Bucket=name)
    return name


def error_of(call):
    """The S3 error code and HTTP status a call fails with."""
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("the call succeeded")


def raw(method, url, headers=None, data=None):
    """Status and body of a plain HTTP request (a presigned URL needs nothing else)."""
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def a_completion_sent_again_succeeds_with_the_same_etag(s3):
    bucket = fresh_bucket(s3)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big.bin")["UploadId"]
    parts = []
    for number, size in [(1, 5 * MIB), (2, 1000)]:
        out = s3.upload_part(
            Bucket=bucket, Key="big.bin", UploadId=upload, PartNumber=number, Body=b"x" * size
        )
        parts.append({"PartNumber": number, "ETag": out["ETag"]})
    first = s3.complete_multipart_upload(
        Bucket=bucket, Key="big.bin", UploadId=upload, MultipartUpload={"Parts": parts}
    )
    again = s3.complete_multipart_upload(
        Bucket=bucket, Key="big.bin", UploadId=upload, MultipartUpload={"Parts": parts}
    )
    assert again["ETag"] == first["ETag"], (first["ETag"], again["ETag"])
    assert first["ETag"].strip('"').endswith("-2"), first["ETag"]
    assert s3.head_object(Bucket=bucket, Key="big.bin")["ContentLength"] == 5 * MIB + 1000


def a_key_can_be_the_prefix_of_other_keys(s3):
    bucket = fresh_bucket(s3)
    for key in ["a/b", "a/b/c", "a/b/c/d.txt"]:
        s3.put_object(Bucket=bucket, Key=key, Body=("bytes of " + key).encode())
    for key in ["a/b", "a/b/c", "a/b/c/d.txt"]:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert body == ("bytes of " + key).encode(), (key, body)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["a/b", "a/b/c", "a/b/c/d.txt"], keys
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="a/b/", Delimiter="/")
    assert [o["Key"] for o in listed.get("Contents", [])] == ["a/b/c"], listed
    assert [p["Prefix"] for p in listed.get("CommonPrefixes", [])] == ["a/b/c/"], listed


def conditional_gets_answer_412_and_304(s3):
    bucket = fresh_bucket(s3)
    etag = s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"version one")["ETag"]
    modified = s3.head_object(Bucket=bucket, Key="doc.txt")["LastModified"]
    after = modified + datetime.timedelta(seconds=10)
    before = modified - datetime.timedelta(hours=1)

    code = error_of(lambda: s3.get_object(Bucket=bucket, Key="doc.txt", IfMatch='"0123456789abcdef0123456789abcdef"'))
    assert code[1] == 412, code
    code = error_of(lambda: s3.get_object(Bucket=bucket, Key="doc.txt", IfNoneMatch=etag))
    assert code[1] == 304, code
    code = error_of(lambda: s3.get_object(Bucket=bucket, Key="doc.txt", IfModifiedSince=after))
    assert code[1] == 304, code
    code = error_of(lambda: s3.get_object(Bucket=bucket, Key="doc.txt", IfUnmodifiedSince=before))
    assert code[1] == 412, code
    # And the other way round they let the object through.
    assert s3.get_object(Bucket=bucket, Key="doc.txt", IfMatch=etag)["Body"].read() == b"version one"
    assert s3.get_object(Bucket=bucket, Key="doc.txt", IfModifiedSince=before)["Body"].read() == b"version one"
    code = error_of(lambda: s3.head_object(Bucket=bucket, Key="doc.txt", IfNoneMatch=etag))
    assert code[1] == 304, code


def a_range_is_resumed_only_while_if_range_holds(s3):
    bucket = fresh_bucket(s3)
    etag = s3.put_object(Bucket=bucket, Key="movie.mp4", Body=b"0123456789")["ETag"]
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "movie.mp4"}, ExpiresIn=60)
    status, body = raw("GET", url, {"Range": "bytes=4-", "If-Range": etag})
    assert (status, body) == (206, b"456789"), (status, body)
    status, body = raw("GET", url, {"Range": "bytes=4-", "If-Range": '"0123456789abcdef0123456789abcdef"'})
    assert (status, body) == (200, b"0123456789"), (status, body)


def listings_in_url_encoding_give_back_the_keys(s3):
    bucket = fresh_bucket(s3)
    keys = ["a b+c%d.txt", "naïve/café & co.txt", "plus+sign", "query?x=1#frag"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"k")
    # boto3 asks for encoding-type=url by itself and decodes what it gets.
    listed = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert listed == sorted(keys), listed
    listed = sorted(o["Key"] for o in s3.list_objects(Bucket=bucket)["Contents"])
    assert listed == sorted(keys), listed
    prefixes = s3.list_objects_v2(Bucket=bucket, Delimiter="/")["CommonPrefixes"]
    assert [p["Prefix"] for p in prefixes] == ["naïve/"], prefixes


def completing_with_a_missing_or_wrong_part_is_invalid_part(s3):
    bucket = fresh_bucket(s3)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    # 5 MiB, so that part 1 is a part S3 takes in any place and only what is wrong with the
    # list is.
    etag = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=1, Body=b"1" * (5 * MIB))["ETag"]
    missing = error_of(lambda: s3.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}, {"PartNumber": 2, "ETag": etag}]}))
    assert missing == ("InvalidPart", 400), missing
    wrong = error_of(lambda: s3.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"0123456789abcdef0123456789abcdef"'}]}))
    assert wrong == ("InvalidPart", 400), wrong
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload)


def completing_an_upload_never_made_is_no_such_upload(s3):
    bucket = fresh_bucket(s3)
    code = error_of(lambda: s3.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId="0f0e0d0c-0b0a-4908-8706-050403020100",
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"0123456789abcdef0123456789abcdef"'}]}))
    assert code == ("NoSuchUpload", 404), code


def a_put_to_a_bucket_that_is_not_there_is_no_such_bucket(s3):
    code = error_of(lambda: s3.put_object(Bucket="no-such-bucket-" + uuid.uuid4().hex[:8], Key="k", Body=b"x"))
    assert code == ("NoSuchBucket", 404), code


def an_expired_presigned_put_is_refused_with_403(s3):
    bucket = fresh_bucket(s3)
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "late.txt"}, ExpiresIn=1)
    time.sleep(2.5)
    status, body = raw("PUT", url, data=b"too late")
    assert status == 403, (status, body)
    code = error_of(lambda: s3.head_object(Bucket=bucket, Key="late.txt"))
    assert code[1] == 404, code


SCENARIOS = {f.__name__: f for f in [
    a_completion_sent_again_succeeds_with_the_same_etag,
    a_key_can_be_the_prefix_of_other_keys,
    conditional_gets_answer_412_and_304,
    a_range_is_resumed_only_while_if_range_holds,
    listings_in_url_encoding_give_back_the_keys,
    completing_with_a_missing_or_wrong_part_is_invalid_part,
    completing_an_upload_never_made_is_no_such_upload,
    a_put_to_a_bucket_that_is_not_there_is_no_such_bucket,
    an_expired_presigned_put_is_refused_with_403,
]}

if __name__ == "__main__":
    name = sys.argv[1]
    try:
        SCENARIOS[name](client())
    except AssertionError as e:
        print(f"{name}: {e}", file=sys.stderr)
        sys.exit(1)
