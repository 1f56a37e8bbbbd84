"""Integrations with other tools; each is imported only by that tool, never by ctguard itself."""
