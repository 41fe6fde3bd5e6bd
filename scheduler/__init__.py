"""Time-driven work: deadlines are rows in the database, periodic jobs sweep what is due."""
