"""Danish first: the web pages are Danish unless the user picked English with the language switch
(Django's language cookie). The API still negotiates by Accept-Language, so clients can ask for English."""


class DanishFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
