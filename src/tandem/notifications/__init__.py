"""Reminders and digests sent to people by e-mail and to chat channels."""
