"""Integrations with the world outside: the document store and renderer, the SendGrid, Twilio and Stripe senders."""
