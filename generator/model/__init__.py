"""The validated, immutable model of a campaign and the figures computed from it."""
