"""Grayscale bucketing (design §6, normative). The one implementation lives in the resolver
SDK, so the server and partner apps resolving from a manifest cannot drift apart."""

from __future__ import annotations

from minirelease.resolver.bucketing import BUCKETS, basis_points, bucket, in_grayscale, percentage

__all__ = ["BUCKETS", "basis_points", "bucket", "in_grayscale", "percentage"]
