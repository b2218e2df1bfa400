"""Choosing among candidates: the order the app lists them in, ranking curves, behaviour clusters, probe inputs and model-written tests."""
