"""Brokers behind one port: the paper venue (here), Kite (next), Lean's order API."""
