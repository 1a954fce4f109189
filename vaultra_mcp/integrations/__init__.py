"""Outside systems behind small interfaces: knowledge stores, embedders, Stripe, LLMs."""
