"""Benchmarks and the data generator (see bench/README.md). Not part of the installed package."""
