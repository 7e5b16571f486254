"""The demo: seed data (users, smallcases, the sample market) and the end-to-end scenario."""
