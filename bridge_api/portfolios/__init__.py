"""Investors' cash, intents (invest, top up, exit, rebalance, buy, sell) and portfolios."""
