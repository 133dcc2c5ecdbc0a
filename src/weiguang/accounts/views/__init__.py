"""Account pages: one module a sub-area (sign-up and login, residence, staff, security, my data)."""
