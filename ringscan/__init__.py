"""ringscan: find collusive fraud rings in medical-insurance settlement data."""

__version__ = "0.1.0"
