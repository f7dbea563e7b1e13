"""Bank files: ISO 20022 camt.054 credit notifications (``camt054``)."""
