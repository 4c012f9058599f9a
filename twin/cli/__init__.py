"""Device side of the twin: views, grammar, errors, sessions and commit."""
