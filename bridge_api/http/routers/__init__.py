"""One router per domain; each route is thin: parse, call the domain, shape the answer."""
