from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from .models import Commune
from .selectors import commune_list, population_by_year


class CommuneSerializer(serializers.ModelSerializer):
    merged_into = serializers.SlugRelatedField(
        slug_field="bfs_number", read_only=True, allow_null=True
    )
    domain = serializers.SerializerMethodField()
    population = serializers.SerializerMethodField()

    class Meta:
        model = Commune
        fields = [
            "bfs_number",
            "name",
            "slug",
            "district",
            "status",
            "merged_into",
            "domain",
            "population",
            "public_innovator",
            "valid_from",
            "valid_to",
        ]

    def get_domain(self, commune: Commune) -> str | None:
        return commune.primary_domain

    @extend_schema_field(
        {
            "type": "object",
            "additionalProperties": {"type": "integer"},
            "description": "Ständige Wohnbevölkerung am 31. Dezember, nach Jahr",
        }
    )
    def get_population(self, commune: Commune) -> dict[str, int]:
        return population_by_year(commune)


class CommuneViewSet(viewsets.ReadOnlyModelViewSet):
    """The Luzern communes, merged ones included (`status` = `merged`, `merged_into`)."""

    serializer_class = CommuneSerializer
    permission_classes = [AllowAny]
    lookup_field = "bfs_number"
    pagination_class = None

    def get_queryset(self):
        return commune_list(q=self.request.query_params.get("q", ""))
