"""Fakes of the services Vaultra talks to, for tests, benchmarks and the demo; never shipped."""
