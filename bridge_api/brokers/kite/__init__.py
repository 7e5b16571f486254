"""Zerodha through Kite Connect."""
