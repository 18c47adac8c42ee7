"""The Rasa side: the REST client, which Rasa answers now (upstream), the diversion to a stand-in during a model
deploy, and resuming Rasa after a person was involved. No routes of its own: router/app.py builds the client."""
