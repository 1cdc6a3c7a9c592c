"""Content negotiation that offers DRF's browsable API to signed-in users only."""

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer


class BrowsableForSignedInNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if request.user.is_authenticated:
            return super().select_renderer(request, renderers, format_suffix)
        json_only = [r for r in renderers if not isinstance(r, BrowsableAPIRenderer)]
        try:
            return super().select_renderer(request, json_only, format_suffix)
        except NotAcceptable:
            # A browser asking for HTML while signed out gets the JSON answer (usually the 401), not a 406.
            return json_only[0], json_only[0].media_type
