"""The operator's day, scheduled: the day's jobs in IST on NSE's calendar (`day`), each run
claimed once per day in PostgreSQL (`runs`), started by the scheduler loop of ``saras worker``
(`scheduler`, `worker`) or by hand."""
