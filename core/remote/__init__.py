"""The remote backend: sampling from an OpenAI-compatible server, and its requests, streams, probes and API keys."""
