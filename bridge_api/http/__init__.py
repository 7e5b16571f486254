"""The HTTP bridge: the FastAPI app, its routers, request and response schemas, dependencies
and the problem+json mapping of domain errors. The only part of Saras that imports FastAPI."""
