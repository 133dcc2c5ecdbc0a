"""Service fairs: stalls, their queues and bookable slots, whom they served, what the fair
collected (demands' intake session, the wishes recorded at stalls), food-bank rounds, and the
fair's summary. Models are in events/models.py ("Fairs")."""
