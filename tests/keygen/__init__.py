"""Tests of license_guard.keygen, driven by the real Keygen vectors in ../shared/keygen-vectors."""
