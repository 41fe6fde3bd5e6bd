"""Estate desk bot: a Telegram customer-service desk for a residential estate."""

import os

# Opt in now to python-telegram-bot's next-major behaviour (durations as timedelta), so the
# code is written once against it and no deprecation warning is raised on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "1")
