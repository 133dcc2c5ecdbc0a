"""Function rooms of a service centre and their bookings (the Rooms half of places): services,
the periodic release, pages and the API, beside the stations half."""
