"""Runbooks as data, the engine that runs them, and the named gates."""
