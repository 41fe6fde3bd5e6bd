"""`python -m bot demo`: the whole desk on one machine, played in a browser.

The real bot (handlers, database, scheduler, outbox; built by `bot.app` as in production
and polling through `bot.polling`) talks to the project's Bot API stand-in over loopback
HTTP, the same stand-in the tests trust. A page served beside it lets one person play a
resident, the zone butler, an engineer and the chief butler side by side, move the clock
forward, and open the managers' Mini App. Nothing leaves the machine and no token is needed.
"""
