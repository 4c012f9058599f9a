"""Typed configuration of a twin router and its canonical rendering."""
