"""The page's sections, one module each, in the order the page shows them: the verdict, the
run's identity, the scorecard, training, the items, and the comparison with a baseline. Each
takes what it shows as data and returns markup; none reads a file."""
