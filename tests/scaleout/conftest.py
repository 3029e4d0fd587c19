"""The storage tests' moto server and buckets serve the scale-out test too."""

from tests.storage.conftest import aws_env, s3, s3_endpoint

__all__ = ["aws_env", "s3", "s3_endpoint"]
