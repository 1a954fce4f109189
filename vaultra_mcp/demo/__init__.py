"""Demo businesses with deterministic Stripe-shaped history, for local use, tests and benchmarks."""
