"""Documents rendered as PDF with WeasyPrint (``documents.residence_certificate``)."""
