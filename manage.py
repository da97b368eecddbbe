#!/usr/bin/env python3
import os
import secrets
import sys

# Commands that read a file offline and sign, serve and store nothing: they run without a
# SECRET_KEY (settings refuse to start without one), on a throwaway key that lives and dies
# with the process. Only these: any other command gets the full check.
OFFLINE_COMMANDS = frozenset({"verify_bundle"})


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimwatch.settings")
    if sys.argv[1:2] and sys.argv[1] in OFFLINE_COMMANDS and not os.environ.get("SECRET_KEY"):
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(64)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
