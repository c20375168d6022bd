"""The public publicity site: its view of the model (no internal fields), pages, assets, feed and search."""
