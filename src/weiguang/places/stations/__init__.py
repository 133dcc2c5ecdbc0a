"""Stations (驿站): the riders' public list, the staff's pages, amenity states and the love
supermarket's pick-ups. The models are in places.models (its Stations section)."""
