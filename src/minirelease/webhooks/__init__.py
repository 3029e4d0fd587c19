"""Webhooks (issue 10): workspace owners and masters register endpoints; every change the
audit log records that a subscriber may follow becomes an event, delivered through the
job queue, signed as Standard Webhooks say, at least once, retried for about a day."""
