"""Custom actions for the Tryggare Helsingborg assistant, served by `rasa run actions`.

Each module holds one concern: talking to the router, opening hours, handing a conversation
to a kommunvägledare, leaving a message, the NLU fallback, and starting a session with the contact
center's details in slots (from settings/contact.yml, the one place they are written).
"""
