"""Server-rendered catalogue pages: public host (``public``) and commune hosts (``commune``)."""
