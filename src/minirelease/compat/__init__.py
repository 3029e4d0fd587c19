"""The compatibility step (design §5): a built package evaluated over a matrix of cells.

``run.run_compatibility`` is the entry point; ``analyzer`` defines rules and evaluates them
once per group of equivalent cells over a package parsed once (``parsed``); the static rules
live in ``static_rules``; ``report`` and ``html`` present the result."""
