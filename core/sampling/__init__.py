"""Sampling from a model: parameters, the engine and its decoding loop, stop rules, candidates, and the one backend interface every front end samples through."""
