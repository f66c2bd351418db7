"""Staffing: clerks' recruitment, placement, rotation, appraisal and pay (see issues)."""
