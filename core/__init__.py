"""Qt-free engine of CodeSynth Studio: sampling, ranking, pass@k, evaluation, persistence."""

import os

# No model hub is reachable from where this app runs; without this, transformers retries
# hub look-ups for tens of seconds before failing.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

__version__ = "0.1.0"
