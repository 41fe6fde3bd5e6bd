"""Pure business rules: no Telegram, no SQL, so they can be tested and changed alone."""
