from django.conf import settings


def platform(request):
    return {"PLATFORM_NAME": "Vækst Via Viden", "DEBUG": settings.DEBUG}
