"""What an operator watches: Prometheus metrics (`metrics`, the process's own counters;
`collector`, gauges read from the database at each scrape; `exposition`, rendering them, one
process or several), and the readiness check (`health`)."""
