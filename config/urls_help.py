"""Help and legal pages, the same paths on the public host and every commune host."""

from django.urls import path

from . import help as views

urlpatterns = [
    path(f"{page}/", views.help_page, {"page": page}, name=f"help-{page}") for page in views.PAGES
]
