"""TTP templates for VRP display outputs, typed results, fail-closed parsing."""
