"""Every test here may use the license_guard pytest plugin, as a vendor's suite would."""

pytest_plugins = ["license_guard.testing"]
