"""Webhook deliveries in these tests go to receivers on 127.0.0.1: the webhook tests'
fixtures (settings that allow private destinations, a receiver) serve here too."""

from tests.webhooks.conftest import receiver, settings

__all__ = ["receiver", "settings"]
