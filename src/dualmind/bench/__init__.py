"""Benchmarks: figures measured in one process, reported beside a reference run."""
