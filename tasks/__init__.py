"""Nornir task functions: one job each (render, push, diff, commit, gate, rollback, save)."""
