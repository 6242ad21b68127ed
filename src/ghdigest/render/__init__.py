"""Renderers: turn a DigestPlan into output documents (pure, deterministic)."""
