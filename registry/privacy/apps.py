from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "registry.privacy"
    label = "privacy"
    verbose_name = "Privacy: export and erasure"

    def ready(self) -> None:
        # The problem type is declared here, beside the rules that raise it, and added to the
        # API's catalogue at start-up so the privacy app owns its one error type.
        from registry.api.problems import PROBLEM_TYPES, ProblemType

        PROBLEM_TYPES.setdefault(
            "erasure-refused",
            ProblemType(
                "erasure-refused",
                "Erasure is not possible now",
                422,
                "The registry must keep this performer's data for now (live consents, pending "
                "requests, open cases, usage not yet billed, money not yet paid out); `errors` "
                "names each reason with its code. Nothing was changed.",
            ),
        )
