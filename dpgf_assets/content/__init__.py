"""Pregenerated content: facts drawn from the warehouse, criteria, generators, the price reference, the writer."""
