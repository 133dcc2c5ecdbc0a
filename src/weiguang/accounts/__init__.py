"""Accounts: how people get in without the Django admin.

Sign-up and login by mobile number and SMS code, password reset, the residence request that
staff confirm, staff accounts and roles, two-factor sign-in and personal-data rights (PIPL).
It sits above people (a confirmed account is linked to a resident record) and below partners
and the domain apps, which may ask whether a user is confirmed (docs/architecture.md).
"""
