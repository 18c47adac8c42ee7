"""The city's checked facts as the chat shows them, read from `settings/`: the contact center, the numbers
residents are referred to, the web addresses and the public-record notice.

The router and the action server both read these facts, and they run in different environments (Python 3.11
and Rasa's 3.10) with a rule that the actions never import the router. So the one strict reader lives here,
in a package that imports neither and needs nothing but PyYAML, and both use it.
"""
