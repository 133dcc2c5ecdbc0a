"""Every change to a demand happens here, as plain functions taking the acting user, one module per sub-area."""
