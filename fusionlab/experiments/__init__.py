"""Experiment runners behind the notebooks: each trains and evaluates models and returns tables."""
