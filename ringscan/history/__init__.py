"""What a store remembers between scans: history, stable ring ids and lineage, changes, case decisions."""
