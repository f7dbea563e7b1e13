"""The public seal check (/siegel-pruefen/, on the public host and every commune host): anyone
uploads a document of the portal and learns whether its electronic seal is intact, who sealed
it, when, and under which title and reference. Nothing is stored."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from ..services.seals import seal_check

MAX_MB = 20


class SealCheckForm(forms.Form):
    document = forms.FileField(
        label=_("Dokument (PDF)"),
        help_text=_("Das PDF, wie Sie es aus dem Portal erhalten haben; höchstens 20 MB."),
        error_messages={"required": _("Bitte wählen Sie das PDF aus, das Sie prüfen möchten.")},
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def clean_document(self):
        upload = self.cleaned_data["document"]
        if upload.size > MAX_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("Die Datei ist zu gross (höchstens %(mb)s MB).") % {"mb": MAX_MB}
            )
        return upload


@require_http_methods(["GET", "POST"])
def seal_check_page(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = SealCheckForm(request.POST, request.FILES) if posted else SealCheckForm()
    result = None
    status = 200
    if posted:
        if form.is_valid():
            result = seal_check(pdf=form.cleaned_data["document"].read())
        else:
            status = 400
    return render(request, "cases/seal_check.html", {"form": form, "result": result}, status=status)
