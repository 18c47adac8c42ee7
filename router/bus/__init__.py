"""What ties the router's processes together: pub/sub (in-process or Redis), rate limits shared through Redis,
and the background tasks. No routes of its own: router/app.py picks the in-process or the Redis variant."""
