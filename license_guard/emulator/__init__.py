"""A Keymint-compatible licensing server that runs on this machine (placeholder)."""
