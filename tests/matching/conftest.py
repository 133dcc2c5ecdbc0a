"""Matching fixtures: the volunteer fixtures (`skills`, `register`, `approved`) of tests/volunteers."""

from ..volunteers.conftest import approved, register, skills

__all__ = ["approved", "register", "skills"]
