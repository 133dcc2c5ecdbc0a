"""Demand pages (诉求), one module per sub-area. Thin: parse, call a service, render."""
