"""The one grader and the one scoring function, shared with the trainer."""
