"""Faults reported against other recommendation frameworks, each tested as a whole kind."""
