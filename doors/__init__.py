"""Locks on the local doors: Rasa's REST channel and the action server listen on 127.0.0.1, where every
local user and process can reach them, so each checks a shared secret from the environment too.

- Rasa's REST channel (`rest_channel.SecretRestInput`, named in credentials.yml) accepts a message only
  with `X-Rasa-Token: $RASA_TOKEN`, which the router sends; without it a local `curl` could talk in a
  resident's conversation.
- The action server (`python -m doors.action_server`) runs an action only with
  `X-Internal-Secret: $INTERNAL_SECRET`, which Rasa sends from endpoints.yml; without it a forged action
  call could create cases with invented text.
- Rasa's HTTP API keeps its own `?token=` check; `python -m doors.rasa_server` hands Rasa that token from
  the environment, so it never appears on a command line (`ps` shows every user every command line).

Why a shared secret and not unix sockets: Rasa 3.6 and rasa-sdk can listen only on TCP (their `run`
commands take an interface and a port), and the router, Rasa and the actions already share `.env`
(0600, one service user); a header is checked in one place per door and works the same when a process
moves to another host. The secrets never go into a URL, so no access log records them.

`model_load` is no lock: it spares every start of a model Rasa's one-example training step (24 s → 8 s),
installed by `doors.rasa_server` and the evaluation's model run.

These modules run in `.venv-rasa` (Python 3.10, Rasa 3.6) and import neither the router nor the bot.
"""
