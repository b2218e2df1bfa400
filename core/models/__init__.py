"""The model: the catalogue, installing and finding models, loading them, the device, and the runners that do the forward pass."""
