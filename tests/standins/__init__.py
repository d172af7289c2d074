"""Loopback stand-ins for the messaging providers, checked against the providers' own API contracts.

- ``contracts``: load an OpenAPI operation from ``shared/contracts`` and validate requests against it, with the
  rules the documents leave out.
- ``sendgrid``: ``SendGridStandin``, SendGrid's ``POST /v3/mail/send``.
- ``twilio``: ``TwilioStandin``, Twilio's create-message, the transport that points the SDK at it, and
  ``status_callback_signature``.
- ``sendgrid_events``: ``EventWebhookSigner``, event-webhook requests signed as SendGrid signs them.
- ``fixtures``: the ``sendgrid_standin`` and ``twilio_standin`` pytest fixtures.

The real SDKs talk to them over HTTP on 127.0.0.1; nothing is mocked and nothing leaves the machine.
"""
