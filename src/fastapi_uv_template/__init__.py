"""The service: the app factory, its settings, routes and the pre-start step."""
