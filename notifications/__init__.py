"""Notifications: outbox, channels, preferences and reminders (see issues)."""
