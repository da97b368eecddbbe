from tests.api.conftest import analyst_api, editor_api, outsider_api  # noqa: F401
