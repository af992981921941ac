from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class HallAdminSite(admin.AdminSite):
    site_header = _("Jinjie town service hall — town office")
    site_title = _("Town office")
    index_title = _("Town office administration")
