"""The service: main.py builds the app, routes/ holds its endpoints, core/ the platform."""
