"""Evaluation: problems, pass@k, resumable eval runs, the sampling lab's sweep, comparisons, reports and their figures."""
