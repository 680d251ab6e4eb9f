"""Datasets: the shared layout, synthetic crack data and drives, the RDD2022 → RDC builder."""
