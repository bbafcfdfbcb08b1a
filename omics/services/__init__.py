"""Process roles as services: registration, discovery, health and sagas (the services issue)."""
