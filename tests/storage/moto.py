"""moto's standalone S3-compatible server, as a real process on a free port of 127.0.0.1,
and what tests read from it: a bucket's keys, through a client of their own."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import httpx2
from botocore.config import Config

from tests.releases.live import HOST, free_port, wait_until

# moto accepts any credentials; these are what the processes under test get.
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "minirelease-test",
    "AWS_SECRET_ACCESS_KEY": "minirelease-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@contextmanager
def moto_server(log_path: Path) -> Iterator[str]:
    """Start ``python -m moto.server``; yield its endpoint URL; stop it."""
    port = free_port()
    url = f"http://{HOST}:{port}"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"moto server exited: {log_path.read_text()[-2000:]}")
        try:
            return httpx2.get(f"{url}/moto-api/", timeout=1).status_code == 200
        except httpx2.TransportError:
            return False

    try:
        wait_until(ready, timeout=30, interval=0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def inspect_client(endpoint: str) -> Any:
    """A client of the tests' own, to look into the store without the code under test."""
    return boto3.session.Session(
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        region_name=AWS_ENV["AWS_DEFAULT_REGION"],
    ).client("s3", endpoint_url=endpoint, config=Config(s3={"addressing_style": "path"}))


def new_bucket(endpoint: str) -> str:
    name = f"mr-{uuid.uuid4().hex[:20]}"
    inspect_client(endpoint).create_bucket(Bucket=name)
    return name


def keys(endpoint: str, bucket: str) -> list[str]:
    """Every object in the bucket, and every multipart upload still open in it."""
    client = inspect_client(endpoint)
    found = [
        obj["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for obj in page.get("Contents", [])
    ]
    uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    return sorted(found + [f"(multipart) {u['Key']}" for u in uploads])


def public_read(bucket: str, prefix: str) -> dict[str, Any]:
    """The bucket policy of the README's "Package storage": anyone may read public/."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/{prefix}/public/*",
            }
        ],
    }
