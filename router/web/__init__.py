"""How the router meets the web in front of it: other origins embedding the widget (cors) and the
reverse proxies that forward the residents' addresses (proxies)."""
