"""The offline assistant: a deterministic planner and templated, cited answers."""
