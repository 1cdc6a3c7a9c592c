"""Permissions shared by the API apps."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsStaffOrReadCreate(BasePermission):
    """Shared catalog rule: any signed-in user lists, reads and creates; update and delete need staff."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or request.method == "POST" or request.user.is_staff


class IsStaff(BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class IsSuperuser(BasePermission):
    """Backups: an archive holds every user's data, so only superusers (not staff) may touch one."""

    message = "Only a superuser may manage backups: an archive holds every user's data."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_superuser)
