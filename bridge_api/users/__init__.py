"""Users, sign-in, tokens, roles and KYC."""
