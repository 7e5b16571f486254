"""The double-entry ledger: posting journal entries, balances, and FIFO tax lots."""
