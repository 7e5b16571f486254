"""Notifications: events recorded with their cause (`events`), delivered by the worker on the
PostgreSQL job queue (`jobs`, `delivery`) by e-mail, signed webhook and the in-app inbox, per
each user's preferences; operator alerts (`alerts`)."""
