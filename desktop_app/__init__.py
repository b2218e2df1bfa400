"""CodeSynth Studio: the PySide6 desktop app. It only calls the `core` and `sandbox` APIs."""
