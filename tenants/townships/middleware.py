from django.http import Http404
from django_tenants.middleware.subfolder import TenantSubfolderMiddleware


class TownshipMiddleware(TenantSubfolderMiddleware):
    """Path routing: `/t/<code>/...` runs in township <code>'s schema, anything else in public.

    Only ready townships are reachable: one still provisioning, failed or archived answers 404,
    so nobody ever sees a half-made schema.
    """

    def get_tenant(self, domain_model, hostname):
        domain = domain_model.objects.select_related("tenant").get(domain=hostname)
        if not domain.tenant.is_ready:
            raise domain_model.DoesNotExist
        return domain.tenant

    def no_tenant_found(self, request, hostname):
        raise Http404("No such township")
