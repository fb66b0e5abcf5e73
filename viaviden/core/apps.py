from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "viaviden.core"
    label = "core"

    def ready(self) -> None:
        # Imports inside ready(): apps.py is loaded while the app registry is being built, before models
        # may be imported (Django's rule, not a cycle being dodged).
        from django.contrib.auth.signals import user_logged_in

        from .middleware import stamp_session_at_login

        # The session's start and last-seen times go in with the login itself, so the first page after
        # login does not have to save the session again (SessionTimeoutMiddleware).
        user_logged_in.connect(stamp_session_at_login, dispatch_uid="viaviden_session_stamp")
