"""Estate desk bot: a Telegram customer-service desk for a residential estate."""
