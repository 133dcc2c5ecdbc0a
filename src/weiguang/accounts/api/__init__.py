"""The accounts API: one module a sub-area, each with its own router (weiguang/api.py mounts them)."""
