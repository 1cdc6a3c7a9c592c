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
