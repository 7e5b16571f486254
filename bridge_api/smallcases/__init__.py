"""Smallcases: model portfolios, their immutable versions, and their statistics."""
