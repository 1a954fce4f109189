"""Local HTTP fakes of OpenAI, Ollama, Pinecone and Google sign-in for offline tests.

The official client libraries are pointed at these servers on 127.0.0.1, so tests
exercise the real request encoding, response parsing, retries and streaming of each
client without network access.
"""
