"""Accounts, groups and login records in the admin, scoped like every other page (villages/admin_scope.py).

Only a superuser manages superusers, staff flags, groups and permissions. A town office manages the ordinary
(non-staff) accounts of its own town — edits them, resets their passwords, deactivates them — and reads, but does
not change, its town's staff accounts; accounts of no town (county officers, superusers) are the superuser's.
"""

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from villages.admin_scope import SharedReadOnlyMixin, SuperuserOnlyMixin, TownScopedMixin, office_town_ids

from .models import User

# Rights only a superuser hands out.
SUPERUSER_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")
SUPERUSER_FILTERS = ("is_superuser", "groups")


class HallUserCreationForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "name", "phone", "town")


class HallUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(TownScopedMixin, auth_admin.UserAdmin):
    form = HallUserChangeForm
    add_form = HallUserCreationForm
    list_display = ("username", "name", "phone", "town", "is_staff", "is_active", "last_login")
    list_filter = ("town", "is_staff", "is_superuser", "is_active", "groups")
    list_select_related = ("town",)
    search_fields = ("username", "name", "phone")
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("name", "phone", "email", "town")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "name", "phone", "town", "password1", "password2"),
            },
        ),
    )

    def town_scope(self, town_ids):
        return Q(town__in=town_ids, is_superuser=False)

    def editable_scope(self, town_ids):
        # Staff accounts (the office itself, the supervisor) are the superuser's: an office must not be able to
        # take over another staff account, or deactivate the supervisor who watches it.
        return Q(town__in=town_ids, is_superuser=False, is_staff=False)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return tuple(
            (name, {**opts, "fields": tuple(f for f in opts["fields"] if f not in SUPERUSER_FIELDS)})
            for name, opts in fieldsets
        )

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ()
        return ("last_login", "date_joined")

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        return [f for f in filters if f not in SUPERUSER_FILTERS]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "town" and not request.user.is_superuser:
            # An office's new account is its own town's; an account of no town would escape every office.
            kwargs["required"] = True
            towns = office_town_ids(request)
            if len(towns) == 1:
                kwargs["initial"] = towns[0]
                kwargs["empty_label"] = None
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(SuperuserOnlyMixin, auth_admin.GroupAdmin):
    pass


# --- login records (django-axes) ----------------------------------------------------------------------------------
# axes keeps the typed username, not a user key: a record is a town's when the username is one of its accounts.


class LoginRecordScope(TownScopedMixin):
    def town_scope(self, town_ids):
        return Q(username__in=User.objects.filter(town__in=town_ids, is_superuser=False).values("username"))

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)


for model in (AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(LoginRecordScope, axes_admin.AccessAttemptAdmin):
    """The office unlocks its own town's accounts; clearing everybody's attempts is left to the superuser."""

    actions = ["unlock", "cleanup_expired_attempts"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        if not request.user.is_superuser:
            actions.pop("cleanup_expired_attempts", None)
        return actions

    @admin.display(description=_("status"))
    def status(self, obj):
        return super().status(obj)

    @admin.action(description=_("Unlock"), permissions=["delete"])
    def unlock(self, request, queryset):
        attempts = list(queryset)
        self.log_deletions(request, attempts)
        queryset.filter(pk__in=[a.pk for a in attempts]).delete()
        usernames = sorted({a.username for a in attempts if a.username})
        self.message_user(
            request,
            ngettext(
                "%(count)d account unlocked: %(names)s.", "%(count)d accounts unlocked: %(names)s.", len(usernames)
            )
            % {"count": len(usernames), "names": "、".join(usernames) or "—"},
            messages.SUCCESS,
        )


@admin.register(AccessLog)
class AccessLogAdmin(SharedReadOnlyMixin, LoginRecordScope, axes_admin.AccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(SharedReadOnlyMixin, LoginRecordScope, axes_admin.AccessFailureLogAdmin):
    pass
