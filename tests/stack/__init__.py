"""Tests through the whole stack of real processes (Rasa, action server, web, workers, sender,
scheduler), started once per session from the Procfile."""
