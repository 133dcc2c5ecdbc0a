"""Places: service stations (驿站) with their amenities, and the service centre's function
rooms with their bookings. Above the domain apps (it reads the street's holiday calendar and
the love supermarket's redemptions), below events (an event happens at a station or a room)."""
