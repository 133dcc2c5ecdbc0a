"""Events, sign-ups and check-ins: the models."""
