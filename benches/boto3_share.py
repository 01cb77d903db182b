#!/usr/bin/env python3
"""What a user scripting boto3 writes to share a file, for benches/compare.rs.

    boto3_share.py share FILE BUCKET KEY    upload FILE (boto3's upload_file: multipart above
                                            8 MiB, 10 threads) and print a presigned GET link
    boto3_share.py upload FILE BUCKET KEY   upload only
    boto3_share.py presign N BUCKET         presign N GET links in a loop; print the seconds taken

The endpoint is BENCH_ENDPOINT; keys and region come from the usual AWS_* variables.
"""
import os
import sys
import time

import boto3
from botocore.config import Config


def client():
    return boto3.client(
        "s3",
        endpoint_url=os.environ["BENCH_ENDPOINT"],
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
    )


def main():
    command = sys.argv[1]
    s3 = client()
    if command in ("share", "upload"):
        path, bucket, key = sys.argv[2:5]
        s3.upload_file(path, bucket, key)
        if command == "share":
            print(s3.generate_presigned_url(
                "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=3600))
    elif command == "presign":
        count, bucket = int(sys.argv[2]), sys.argv[3]
        start = time.perf_counter()
        for i in range(count):
            name = f"holiday photo {i}.jpg"
            s3.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": bucket,
                    "Key": f"01JDBENCH{i:017}/{name}",
                    "ResponseContentDisposition": f'attachment; filename="{name}"',
                },
                ExpiresIn=3600,
            )
        print(time.perf_counter() - start)
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
