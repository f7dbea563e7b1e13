from django.shortcuts import render

from .selectors import commune_list


def public_home(request):
    """The cantonal start page: what the portal is, and the commune finder."""
    q = request.GET.get("q", "").strip()
    communes = commune_list(q=q, include_merged=False)
    districts: dict[str, list] = {}
    for commune in communes:
        districts.setdefault(commune.district, []).append(commune)
    return render(
        request,
        "public/home.html",
        {"q": q, "districts": sorted(districts.items()), "count": len(communes)},
    )
