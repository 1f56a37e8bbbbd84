"""Policy engine: load policies, evaluate them over the model, produce findings."""
