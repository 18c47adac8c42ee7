"""Custom actions for the Tryggare Helsingborg assistant, served by `rasa run actions`.

Each module holds one concern: talking to the router, opening hours, handing a conversation
to a kommunvägledare, leaving a message, and the NLU fallback.
"""
