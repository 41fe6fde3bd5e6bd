"""The managers' Mini App (a Telegram Web App): the /status board with filters, the lists
behind its lines, each item's card and timeline, and the report's chart, read-only.

It is served by the bot process itself (on the webhook server, or on WEBAPP_PORT), as plain
HTML and a little JavaScript shipped in `static/` (nothing loaded from the internet), and
every API call is signed by Telegram (`initdata`): the reader is whoever Telegram says
opened it, their role and remit read from the database, exactly as the chat commands do.
"""
