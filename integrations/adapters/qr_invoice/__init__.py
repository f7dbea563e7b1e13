"""Swiss QR-bill invoices (``billing.qr_invoice``): SVG payment part + the QR payload.
Configuration: ``settings.INTEGRATIONS["billing"]`` (``qr_iban``)."""
