"""The shipped reasoning data set: its seeded generator and its loader (checked by digest)."""
