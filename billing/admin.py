"""Cantonal admin: book expenditures, budgets and contributions in kind, reverse entries,
book the communes' contributions of a year. Entries are never changed or deleted."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, Sum
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.selectors import published_versions
from tenants.admin_sites import canton_admin_site

from .models import (
    ZERO,
    Category,
    ContributionRate,
    Deliverable,
    Kind,
    LedgerEntry,
    ProgrammeYear,
    UsageMonthly,
)
from .selectors.years import programme_years
from .services import contributions_book, ledger_entry_book, ledger_entry_reverse
from .services.deliverables import deliverable_create, deliverable_validate, expenditure_link
from .services.errors import BillingError
from .services.ledger import MANUAL_KINDS, ledger_entry_validate


class LedgerEntryForm(forms.ModelForm):
    year = forms.TypedChoiceField(
        label="Jahr", coerce=int, choices=lambda: [(y, y) for y in programme_years()]
    )
    booking_date = forms.DateField(
        label="Buchungsdatum",
        required=False,
        help_text="Tag der Zahlung; leer: heute bzw. der nächste Tag im Buchungsjahr.",
    )
    kind = forms.ChoiceField(label="Art", choices=[(k.value, k.label) for k in MANUAL_KINDS])
    category = forms.ChoiceField(
        label="Kategorie",
        required=False,
        choices=[("", "– (nur bei Ausgaben und Budgets)"), *Category.choices],
    )

    class Meta:
        model = LedgerEntry
        fields = ["year", "booking_date", "kind", "category", "amount", "text", "document_ref"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            ledger_entry_validate(
                year=data.get("year"),
                kind=data.get("kind"),
                amount=data.get("amount"),
                category=data.get("category") or "",
                text=data.get("text") or "",
                booking_date=data.get("booking_date"),
            )
        except ValidationError as exc:
            raise ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            ) from None
        return data


class BookContributionsForm(forms.Form):
    year = forms.TypedChoiceField(
        label="Jahr", coerce=int, choices=lambda: [(y, y) for y in programme_years()]
    )


@admin.register(LedgerEntry, site=canton_admin_site)
class LedgerEntryAdmin(admin.ModelAdmin):
    form = LedgerEntryForm
    list_display = (
        "id",
        "year",
        "booking_date",
        "kind",
        "commune",
        "category",
        "amount",
        "text",
        "document_ref",
        "booked_by",
        "booked_at",
        "reverses",
    )
    list_filter = ("year", "kind", "category")
    search_fields = ("text", "document_ref", "commune__name", "booked_by__email")
    list_select_related = ("commune", "booked_by", "reverses")
    date_hierarchy = "booked_at"
    actions = ["reverse_entries"]
    change_list_template = "admin/billing/ledgerentry/change_list.html"

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        data = form.cleaned_data
        entry = ledger_entry_book(
            year=data["year"],
            kind=data["kind"],
            category=data.get("category") or "",
            amount=data["amount"],
            text=data["text"],
            document_ref=data.get("document_ref") or "",
            booking_date=data.get("booking_date"),
            booked_by=request.user,
        )
        obj.pk, obj.booked_at, obj.booked_by = entry.pk, entry.booked_at, entry.booked_by

    @admin.action(description="Ausgewählte Buchungen stornieren")
    def reverse_entries(self, request, queryset):
        done = 0
        for entry in queryset.order_by("id"):
            try:
                ledger_entry_reverse(entry=entry, booked_by=request.user, reason="Storno im Admin")
                done += 1
            except BillingError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
        if done:
            self.message_user(request, f"{done} Buchung(en) storniert.", messages.SUCCESS)

    def get_urls(self):
        urls = [
            path(
                "book-contributions/",
                self.admin_site.admin_view(self.book_contributions_view),
                name="billing_ledgerentry_book_contributions",
            )
        ]
        return urls + super().get_urls()

    def book_contributions_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BookContributionsForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            year = form.cleaned_data["year"]
            try:
                result = contributions_book(year=year, booked_by=request.user)
            except BillingError as exc:
                form.add_error("year", "; ".join(exc.messages))
            else:
                self.message_user(
                    request,
                    f"Beiträge {year}: {result.booked} neu, {result.corrected} korrigiert, "
                    f"{result.unchanged} unverändert; Total Gemeinden CHF {result.total_communes}.",
                    messages.SUCCESS,
                )
                return redirect(reverse("canton_admin:billing_ledgerentry_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Gemeindebeiträge buchen",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/billing/book_contributions.html", context)


@admin.register(ProgrammeYear, site=canton_admin_site)
class ProgrammeYearAdmin(admin.ModelAdmin):
    """Years and phases of the programme: adding a year is a row here, not a release."""

    list_display = ("year", "phase", "operating_costs", "canton_share_percent", "basis")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ContributionRate, site=canton_admin_site)
class ContributionRateAdmin(admin.ModelAdmin):
    list_display = ("year", "rate")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(UsageMonthly, site=canton_admin_site)
class UsageMonthlyAdmin(admin.ModelAdmin):
    """Usage counters, kept by the cases services; read-only here."""

    list_display = (
        "month",
        "commune_bfs",
        "service_key",
        "digital_cases",
        "automated_cases",
        "outside_office_hours",
        "completed_cases",
    )
    list_filter = ("month",)
    search_fields = ("service_key", "=commune_bfs")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _service_choices() -> list[tuple[str, str]]:
    versions = published_versions().filter(service__owner_commune__isnull=True)
    return [("", _("– keine –"))] + [
        (v.service.key, f"{v.name_de} ({v.service.key})") for v in versions
    ]


class DeliverableForm(forms.ModelForm):
    service_key = forms.ChoiceField(
        label=_("Dienstleistung"), required=False, choices=_service_choices
    )
    stage = forms.ChoiceField(
        label=_("neue Stufe"),
        required=False,
        choices=[("", "–"), ("form", _("Formular")), ("automated", _("automatisiert"))],
        help_text=_("Bei der Art «Leistung auf Formular/automatisiert gebracht» nötig."),
    )

    class Meta:
        model = Deliverable
        fields = [
            "kind",
            "title",
            "delivered_on",
            "service_key",
            "stage",
            "communes",
            "description",
        ]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            deliverable_validate(
                kind=data.get("kind") or "",
                title=data.get("title") or "",
                stage=data.get("stage") or "",
                communes=data.get("communes") or 0,
            )
        except ValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return data


def linked_cost(deliverable: Deliverable) -> Decimal:
    """Net cost of the linked expenditures (a reversal of a linked entry counts against it)."""
    ids = list(deliverable.links.values_list("entry_id", flat=True))
    total = LedgerEntry.objects.filter(Q(pk__in=ids) | Q(reverses_id__in=ids)).aggregate(
        s=Sum("amount")
    )["s"]
    return total or ZERO


def swiss_amount(amount: Decimal) -> str:
    """``Decimal("12000")`` → ``12'000.00`` (the way the reports write francs)."""
    return f"{amount:,.2f}".replace(",", "'")


@admin.register(Deliverable, site=canton_admin_site)
class DeliverableAdmin(admin.ModelAdmin):
    """What the money bought: record deliverables, link expenditures to them (the ledger itself
    stays untouched; a link is its own row), see per deliverable its linked cost."""

    form = DeliverableForm
    list_display = (
        "title",
        "kind",
        "delivered_on",
        "service_key",
        "stage",
        "communes",
        "cost",
    )
    list_filter = ("kind", "stage")
    search_fields = ("title", "service_key", "description")
    date_hierarchy = "delivered_on"
    change_form_template = "admin/billing/deliverable/change_form.html"
    change_list_template = "admin/billing/deliverable/change_list.html"

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff

    @admin.display(description=_("verknüpfte Kosten (CHF)"))
    def cost(self, obj) -> str:
        return swiss_amount(linked_cost(obj))

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        data = form.cleaned_data
        created = deliverable_create(
            kind=data["kind"],
            title=data["title"],
            delivered_on=data["delivered_on"],
            service_key=data.get("service_key") or "",
            stage=data.get("stage") or "",
            communes=data.get("communes") or 0,
            description=data.get("description") or "",
        )
        obj.pk = created.pk

    def save_related(self, request, form, formsets, change):
        """Nothing to save: links are added with the link form of the deliverable's page."""

    def response_add(self, request, obj, post_url_continue=None):
        return redirect(reverse("canton_admin:billing_deliverable_change", args=[obj.pk]))

    def get_urls(self):
        urls = [
            path(
                "<int:pk>/ausgabe-verknuepfen/",
                self.admin_site.admin_view(self.link_view),
                name="billing_deliverable_link",
            )
        ]
        return urls + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        deliverable = self.get_object(request, unquote(object_id))
        if deliverable is not None:
            extra_context = {**(extra_context or {}), **self._links_context(deliverable)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _links_context(self, deliverable: Deliverable) -> dict:
        links = list(deliverable.links.select_related("entry").order_by("entry__booking_date"))
        reversed_ids = set(
            LedgerEntry.objects.filter(
                reverses_id__in=[link.entry_id for link in links]
            ).values_list("reverses_id", flat=True)
        )
        candidates = (
            LedgerEntry.objects.filter(
                kind=Kind.EXPENDITURE, reverses__isnull=True, reversed_by__isnull=True
            )
            .exclude(pk__in=[link.entry_id for link in links])
            .order_by("-booking_date", "-pk")
        )
        return {
            "links": [
                {
                    "entry": link.entry,
                    "amount": swiss_amount(link.entry.amount),
                    "reversed": link.entry_id in reversed_ids,
                }
                for link in links
            ],
            "linkable": candidates,
            "linked_cost": swiss_amount(linked_cost(deliverable)),
        }

    def link_view(self, request, pk: int):
        """POST: link the chosen ledger entry (``expenditure_link``); refusals as a message."""
        if request.method != "POST" or not self.has_add_permission(request):
            raise PermissionDenied
        deliverable = get_object_or_404(Deliverable, pk=pk)
        raw = request.POST.get("entry", "")
        entry = LedgerEntry.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        back = redirect(reverse("canton_admin:billing_deliverable_change", args=[pk]))
        if entry is None:
            self.message_user(request, gettext("Bitte eine Ausgabe wählen."), messages.ERROR)
            return back
        try:
            expenditure_link(entry=entry, deliverable=deliverable)
        except BillingError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("Ausgabe %(entry)s mit «%(title)s» verknüpft.")
                % {"entry": entry.pk, "title": deliverable.title},
                messages.SUCCESS,
            )
        return back
