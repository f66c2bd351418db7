from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    """Simplified Chinese unless the person chose otherwise (language cookie, then profile).

    The browser's Accept-Language is deliberately ignored: the product's default is Chinese.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            user = getattr(request, "user", None)
            language = getattr(user, "language", None) if user is not None and user.is_authenticated else None
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
