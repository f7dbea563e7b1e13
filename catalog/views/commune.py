"""Commune host: the services this commune offers, and the administrators' activation pages."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.logins import level_requirement
from accounts.models import User
from catalog.forms import OfferForm, OwnServiceForm
from catalog.models import Service
from catalog.offers.models import ServiceOffer, Stage
from catalog.selectors import (
    offer_admin_rows,
    offer_for_order,
    offer_list,
    own_services_of_commune,
    service_detail,
    service_for_commune_admin,
)
from catalog.services import offer_update
from catalog.services.own_services import commune_service_propose


def commune_admin_required(view):
    """Only the commune's administrators (role ``admin``); others get 403, anonymous a login."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.role != User.Role.ADMIN or getattr(request, "commune", None) is None:
            raise PermissionDenied(_("Nur für die Gemeindeadministration."))
        return view(request, *args, **kwargs)

    return wrapper


def offered_services(request: HttpRequest) -> HttpResponse:
    """The services residents of this commune can order online."""
    q = request.GET.get("q", "").strip()[:200]
    topic = request.GET.get("topic", "")
    offers = offer_list(q=q)
    topics = {t.slug: t for a in offers for t in a.service.topics.all()}
    if topic in topics:
        offers = [a for a in offers if any(t.slug == topic for t in a.service.topics.all())]
    return render(
        request,
        "catalog/commune/list.html",
        {
            "offers": offers,
            "q": q,
            "topic": topics.get(topic),
            "topics": sorted(topics.values(), key=lambda t: (t.kind, t.position)),
        },
    )


def offered_service(request: HttpRequest, key: str) -> HttpResponse:
    """One offered service with the commune's fee, contact and the way to order it."""
    active = offer_for_order(key=key)
    if active is None:
        raise Http404(_("Diese Dienstleistung bietet die Gemeinde nicht online an."))
    version = service_detail(key=key)
    requirement = level_requirement(
        user=request.user,
        need=version.min_auth_level,
        next_url=f"/dienstleistungen/{key}/bestellen/",
    )
    return render(
        request,
        "catalog/commune/detail.html",
        {
            "requirement": requirement,
            "active": active,
            "version": version,
            "steps": list(version.steps.all()),
            "offer": active.offer,
            "is_link": active.stage == Stage.LINK,
        },
    )


@commune_admin_required
def admin_offers(request: HttpRequest) -> HttpResponse:
    """All catalogue services with this commune's stage, fee and group."""
    return render(
        request,
        "catalog/commune/admin_list.html",
        {"rows": offer_admin_rows(), "stages": dict(Stage.choices)},
    )


def _initial(offer: ServiceOffer | None, service: Service) -> dict:
    if offer is None:
        return {"active": True, "stage": Stage.FORM}
    return {
        "active": offer.active,
        "stage": offer.stage,
        "link_url": offer.link_url,
        "fee_override": offer.fee_override,
        "responsible_group": offer.responsible_group,
        "department": offer.department,
        "contact_email": offer.contact_email,
        "contact_phone": offer.contact_phone,
        "notes": offer.notes,
    }


@commune_admin_required
def admin_offer_edit(request: HttpRequest, key: str) -> HttpResponse:
    """Activate a service for this commune or change its stage, fee, group and contact."""
    version = service_for_commune_admin(key=key)
    if version is None:
        raise Http404(_("Diese Dienstleistung gibt es nicht im Katalog."))
    service = version.service
    offer = ServiceOffer.objects.filter(service=service).first()
    form = OfferForm(request.POST or None, initial=_initial(offer, service))
    if request.method == "POST" and form.is_valid():
        try:
            offer_update(user=request.user, service=service, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Das Angebot «%(name)s» wurde gespeichert.") % {"name": version.name_de}
            )
            return redirect("catalog:admin-offers")
    return render(
        request,
        "catalog/commune/admin_edit.html",
        {"form": form, "version": version, "service": service, "offer": offer},
        status=400 if form.errors else 200,
    )


@commune_admin_required
def own_services(request: HttpRequest) -> HttpResponse:
    """This commune's own services and the canton's decision on each."""
    return render(
        request,
        "catalog/commune/own_list.html",
        {"rows": own_services_of_commune(), "stages": dict(Stage.choices)},
    )


@commune_admin_required
def own_service_propose(request: HttpRequest) -> HttpResponse:
    """Propose an own service that the cantonal catalogue lacks (the canton approves it)."""
    form = OwnServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service = commune_service_propose(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("«%(name)s» ist dem Kanton zur Freigabe vorgelegt.")
                % {"name": form.cleaned_data["name_de"]},
            )
            return redirect(f"{reverse('catalog:own-services')}#own-{service.key}")
    return render(
        request,
        "catalog/commune/own_propose.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
