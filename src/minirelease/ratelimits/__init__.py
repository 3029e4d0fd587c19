"""Rate limits on the costly or guessable requests: failed authentications, invitation
guesses, uploads and compatibility runs, each counted per client (its address) and, where
there is one, per account.

Counting and the sliding-window arithmetic are the ``limits`` library's; the counters live
where every process of a deployment sees them (``storage.py``): the database by default,
Redis when configured."""

from minirelease.ratelimits.limiter import Limiter
from minirelease.ratelimits.policy import LimitName, RateLimitPolicy

__all__ = ["LimitName", "Limiter", "RateLimitPolicy"]
