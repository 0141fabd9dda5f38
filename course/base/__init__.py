"""The base layer: errors, the one door of randomness, short user-facing texts in both
languages, plain-data serialisation. It imports nothing of the project (see
docs/architecture.md)."""
