"""Stations and rooms: the models."""
