"""Reporters: a `CommandResult` rendered for a person (text) or for a program (JSON)."""
