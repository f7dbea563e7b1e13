"""Online payment through a hosted payment page (Datatrans-like): ``payment.init``,
``payment.status``, ``payment.refund``; ``signature_verify`` checks a server-to-server
notification. Configuration: the ``payment`` block of the integration configuration."""
