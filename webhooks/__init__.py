"""All of HTTP: one Flask app factory, a blueprint per concern. No business logic here."""
