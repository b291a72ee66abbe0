"""Custom actions served by the rasa-sdk action server (`almas actions`), one module per topic."""

from flows.actions.fallback import ActionFallback

__all__ = ["ActionFallback"]
