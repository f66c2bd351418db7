from django.db import connection
from django.http import Http404
from django.urls import set_urlconf
from django_tenants.middleware.subfolder import TenantSubfolderMiddleware
from django_tenants.urlresolvers import get_subfolder_urlconf
from django_tenants.utils import (
    get_public_schema_name,
    get_subfolder_prefix,
    get_tenant_domain_model,
    get_tenant_model,
)

# One URLconf module per township code for the life of the process. django-tenants builds a new
# module object on every request and calls clear_url_caches(), so Django rebuilt the whole
# resolver (every pattern of the product) on each township request before it could reverse a
# URL: 12 to 14 ms of every page. A module per code keeps its resolver in Django's own cache; the
# prefix is fixed inside the module, so one township's resolver never serves another's paths.
_URLCONFS: dict[str, object] = {}


class TownshipMiddleware(TenantSubfolderMiddleware):
    """Path routing: `/t/<code>/...` runs in township <code>'s schema, anything else in public.

    Only ready townships are reachable: one still provisioning, failed or archived answers 404,
    so nobody ever sees a half-made schema.
    """

    def process_request(self, request):
        if hasattr(request, "tenant"):
            return
        # The township tables live in public, which is on every search path this product sets
        # (include_public); only a connection left without public needs resetting first.
        if not connection.include_public_schema:
            connection.set_schema_to_public()
        prefix = f"/{get_subfolder_prefix()}/"
        hostname = self.hostname_from_request(request)
        if request.path.startswith(prefix):
            code = request.path[len(prefix):].split("/", 1)[0]
            domain_model = get_tenant_domain_model()
            try:
                tenant = self.get_tenant(domain_model=domain_model, hostname=code)
            except domain_model.DoesNotExist:
                return self.no_tenant_found(request, code)
            tenant.domain_subfolder = code
            urlconf = self.get_urlconf(tenant=tenant)
        else:
            tenant_model = get_tenant_model()
            try:
                tenant = tenant_model.objects.get(schema_name=get_public_schema_name())
            except tenant_model.DoesNotExist:
                raise self.TENANT_NOT_FOUND_EXCEPTION("Unable to find public tenant") from None
            self.setup_url_routing(request, force_public=True)
            urlconf = None
        tenant.domain_url = hostname
        request.tenant = tenant
        connection.set_tenant(tenant)
        if urlconf is not None:
            request.urlconf = urlconf
            set_urlconf(urlconf)

    @staticmethod
    def get_urlconf(tenant):
        urlconf = _URLCONFS.get(tenant.domain_subfolder)
        if urlconf is None:
            urlconf = _URLCONFS.setdefault(tenant.domain_subfolder, get_subfolder_urlconf(tenant))
        return urlconf

    def get_tenant(self, domain_model, hostname):
        domain = domain_model.objects.select_related("tenant").get(domain=hostname)
        if not domain.tenant.is_ready:
            raise domain_model.DoesNotExist
        return domain.tenant

    def no_tenant_found(self, request, hostname):
        raise Http404("No such township")
