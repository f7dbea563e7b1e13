"""Cantonal admin for the catalogue: published versions are read-only; changes go through
actions that call ``catalog.services`` (new version, publish, retire)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tenants.admin_sites import canton_admin_site

from . import services
from .formdefs import validate_definition
from .models import Approval, OfferIndex, Service, ServiceVersion, StepDefinition, Topic
from .selectors import own_services_for_decision
from .services.own_services import canton_decider_check, commune_service_decide


@admin.register(Topic, site=canton_admin_site)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name_de", "name_en", "kind", "slug", "position")
    list_filter = ("kind",)
    search_fields = ("name_de", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_de",)}


class VersionInline(admin.TabularInline):
    model = ServiceVersion
    fields = ("number", "status", "name_de", "fee", "published_at")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


def _report(modeladmin, request, done: list[str], failed: list[str]) -> None:
    if done:
        modeladmin.message_user(request, "; ".join(done), messages.SUCCESS)
    for failure in failed:
        modeladmin.message_user(request, failure, messages.ERROR)


@admin.action(description=_("Neue Version erstellen (Entwurf)"))
def new_version(modeladmin, request, queryset):
    done, failed = [], []
    for obj in queryset:
        service = obj.service if isinstance(obj, ServiceVersion) else obj
        try:
            draft = services.service_new_version(service=service)
        except ValidationError as exc:
            failed.append(f"{service.key}: {' '.join(exc.messages)}")
        else:
            done.append(_("%(key)s: Entwurf v%(n)s") % {"key": service.key, "n": draft.number})
    _report(modeladmin, request, done, failed)


@admin.action(description=_("Ausser Betrieb nehmen"))
def retire(modeladmin, request, queryset):
    for service in queryset:
        services.service_retire(service=service)
    modeladmin.message_user(
        request,
        _("%(n)s Dienstleistung(en) ausser Betrieb genommen; laufende Geschäfte bleiben.")
        % {"n": queryset.count()},
    )


@admin.action(description=_("Wieder in Betrieb nehmen"))
def reactivate(modeladmin, request, queryset):
    for service in queryset:
        services.service_reactivate(service=service)
    modeladmin.message_user(request, _("Wieder in Betrieb genommen."))


@admin.register(Service, site=canton_admin_site)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("key", "current_name", "level", "pilot", "current_version", "retired_at")
    list_filter = ("level", "pilot", ("retired_at", admin.EmptyFieldListFilter), "topics")
    search_fields = ("key", "versions__name_de", "versions__keywords")
    filter_horizontal = ("topics",)
    readonly_fields = ("retired_at", "created_at")
    inlines = [VersionInline]
    actions = [new_version, retire, reactivate]
    change_list_template = "admin/catalog/service/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("versions")

    def _published(self, obj):
        return next((v for v in obj.versions.all() if v.status == "published"), None)

    @admin.display(description=_("Name"))
    def current_name(self, obj) -> str:
        version = self._published(obj) or next(iter(obj.versions.all()), None)
        return version.name_de if version else "–"

    @admin.display(description=_("publizierte Version"))
    def current_version(self, obj) -> str:
        version = self._published(obj)
        return f"v{version.number}" if version else "–"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Topic names are part of the search text of the published version.
        version = form.instance.versions.filter(status=ServiceVersion.Status.PUBLISHED).first()
        if version is not None:
            services.version_refresh_search(version=version)

    def get_readonly_fields(self, request, obj=None):
        # The key is the stable identity cases and offers refer to.
        return (*self.readonly_fields, "key") if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        own = [
            path(
                "eigene-leistungen/",
                self.admin_site.admin_view(self.own_services_view),
                name="catalog_service_own_queue",
            )
        ]
        return own + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        pending = Service.objects.filter(approval=Approval.PENDING).count()
        extra_context = {**(extra_context or {}), "own_pending": pending}
        return super().changelist_view(request, extra_context)

    def own_services_view(self, request):
        """Communes' own services awaiting the canton: approve (publishes) or reject with a
        reason the commune sees (``commune_service_decide``)."""
        canton_decider_check(user=request.user)
        error_service, error_messages = None, []
        if request.method == "POST":
            raw = request.POST.get("service", "")
            service = get_object_or_404(
                Service, pk=int(raw) if raw.isdigit() else None, owner_commune__isnull=False
            )
            approve = request.POST.get("decision") == "approve"
            try:
                commune_service_decide(
                    user=request.user,
                    service=service,
                    approve=approve,
                    reason=request.POST.get("reason", ""),
                )
            except ValidationError as exc:
                error_service, error_messages = service.pk, exc.messages
            else:
                text = (
                    gettext("«%(key)s» freigegeben und publiziert.")
                    if approve
                    else gettext("«%(key)s» abgelehnt; die Gemeinde sieht die Begründung.")
                )
                self.message_user(request, text % {"key": service.key}, messages.SUCCESS)
                return redirect(reverse("canton_admin:catalog_service_own_queue"))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Eigene Leistungen der Gemeinden: Freigabe"),
            "opts": self.model._meta,
            "pending": own_services_for_decision(pending=True),
            "decided": own_services_for_decision(pending=False, limit=20),
            "error_service": error_service,
            "error_messages": error_messages,
            "posted_reason": request.POST.get("reason", ""),
        }
        return TemplateResponse(
            request,
            "admin/catalog/own_services_queue.html",
            context,
            status=400 if error_messages else 200,
        )


class StepInline(admin.TabularInline):
    model = StepDefinition
    fields = ("position", "key", "name_de", "name_en", "kind", "adapter_key", "responsible_group")
    extra = 0

    def _draft(self, obj) -> bool:
        return obj is None or obj.is_draft

    def has_add_permission(self, request, obj=None) -> bool:
        return self._draft(obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._draft(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._draft(obj)


@admin.action(description=_("Publizieren"))
def publish(modeladmin, request, queryset):
    done, failed = [], []
    for version in queryset.select_related("service"):
        try:
            services.version_publish(version=version)
        except ValidationError as exc:
            failed.append(f"{version}: {' '.join(exc.messages)}")
        else:
            done.append(_("%(v)s publiziert") % {"v": version})
    _report(modeladmin, request, done, failed)


class ServiceVersionForm(forms.ModelForm):
    class Meta:
        model = ServiceVersion
        fields = ("service", *services.VERSION_TEXT_FIELDS)

    def clean_form_definition(self):
        # Early feedback while editing a draft; publication checks it again with the steps.
        definition = self.cleaned_data["form_definition"]
        validate_definition(definition)
        return definition


@admin.register(ServiceVersion, site=canton_admin_site)
class ServiceVersionAdmin(admin.ModelAdmin):
    form = ServiceVersionForm
    list_display = ("service", "number", "name_de", "status", "fee", "published_at")
    list_filter = ("status", "service__level")
    search_fields = ("service__key", "name_de", "keywords")
    exclude = ("search_vector", "search_text")
    readonly_fields = ("number", "status", "published_at", "created_at")
    inlines = [StepInline]
    actions = [publish, new_version]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_draft:
            return [f.name for f in self.model._meta.fields if f.name not in self.exclude]
        if obj is not None:
            return (*self.readonly_fields, "service")
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            last = ServiceVersion.objects.filter(service=obj.service).aggregate(n=Max("number"))
            obj.number = (last["n"] or 0) + 1
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is not None and obj.is_draft


@admin.register(OfferIndex, site=canton_admin_site)
class OfferIndexAdmin(admin.ModelAdmin):
    """Read-only: written by the communes' offer changes."""

    list_display = ("service", "commune", "stage", "updated_at")
    list_filter = ("stage", "service")
    search_fields = ("commune__name", "service__key")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
