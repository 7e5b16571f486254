"""How investors' money has done: value series, returns and risk, and the identity they obey."""
