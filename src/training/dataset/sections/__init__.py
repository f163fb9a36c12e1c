"""One module per section; each maps its categories to problem makers."""
