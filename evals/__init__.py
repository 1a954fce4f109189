"""Evaluations: retrieval quality over labelled questions, and the agent eval suite."""
