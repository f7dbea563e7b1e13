"""One folder per adapter; each module registers its classes with ``@register("<key>")``."""
