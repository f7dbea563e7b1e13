"""``/api/cases/`` on a commune host."""

from rest_framework.routers import SimpleRouter

from .api import CaseViewSet

router = SimpleRouter(trailing_slash=True)
router.register("", CaseViewSet, basename="api-case")

urlpatterns = router.urls
