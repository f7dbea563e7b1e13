"""The commune administrator's form for one offer (validated again by ``offer_update``)."""

from django import forms
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from .offers.models import Stage


class OfferForm(forms.Form):
    active = forms.BooleanField(label=_("In unserer Gemeinde aufgeschaltet"), required=False)
    stage = forms.ChoiceField(
        label=_("Stufe"),
        choices=Stage.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Link: Weiterleitung zum bisherigen Online-Schalter. Formular: Bearbeitung durch die "
            "Verwaltung. Automatisiert: Schnittstellen erledigen die Schritte. Laufende "
            "Geschäfte behalten ihre Stufe."
        ),
    )
    link_url = forms.URLField(
        label=_("Link zum bisherigen Online-Schalter"),
        required=False,
        assume_scheme="https",
        help_text=_("Nur für die Stufe «Link», z. B. https://www.gemeinde.ch/online-schalter"),
    )
    fee_override = forms.DecimalField(
        label=_("Gebühr der Gemeinde (CHF)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        help_text=_("Leer lassen, um die Gebühr des Katalogs zu übernehmen."),
    )
    responsible_group = forms.ModelChoiceField(
        label=_("Zuständige Gruppe"),
        queryset=Group.objects.order_by("name"),
        required=False,
        empty_label=_("– keine –"),
    )
    department = forms.CharField(label=_("Zuständiges Amt"), required=False, max_length=200)
    contact_email = forms.EmailField(label=_("Kontakt E-Mail"), required=False)
    contact_phone = forms.CharField(label=_("Kontakt Telefon"), required=False, max_length=40)
    notes = forms.CharField(
        label=_("Hinweise für Einwohnerinnen und Einwohner"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OwnServiceForm(forms.Form):
    """An own service the commune proposes to the canton (validated by
    ``commune_service_propose``)."""

    name_de = forms.CharField(label=_("Name (Deutsch)"), max_length=200)
    summary_de = forms.CharField(
        label=_("Kurzbeschreibung (Deutsch)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ein bis zwei Sätze: was Einwohnerinnen und Einwohner damit erledigen."),
    )
    name_en = forms.CharField(label=_("Name (Englisch, optional)"), max_length=200, required=False)
    summary_en = forms.CharField(
        label=_("Kurzbeschreibung (Englisch, optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    fee = forms.DecimalField(
        label=_("Gebühr (CHF)"), min_value=0, max_digits=10, decimal_places=2, initial=0
    )
    responsible_group = forms.ChoiceField(
        label=_("Zuständige Gruppe"),
        help_text=_("Die Gruppe, in deren Eingang die Anliegen landen."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        names = Group.objects.order_by("name").values_list("name", flat=True)
        self.fields["responsible_group"].choices = [("", _("– bitte wählen –"))] + [
            (name, name) for name in names
        ]
