"""Corporate actions on the pooled book: announced, guarding trading, and posted to the ledger."""
