"""Scheduled digest posts: composed by the core, scheduled from the store, posted by adapters."""
