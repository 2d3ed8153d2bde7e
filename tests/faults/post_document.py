"""Post one warehouse document in a process of its own, as a web or worker process would:
`python -m tests.faults.post_document DOCUMENT_ID USER_ID`. Prints what happened on its last line
("posted <number>" or the exception's class and message) and exits 0 only when it posted."""

import os
import sys


def main(document_id: int, user_id: int) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from accounts.models import User
    from inventory.services import document_post

    user = User.objects.get(pk=user_id)
    print("ready", flush=True)
    try:
        doc = document_post(document_id=document_id, user=user)
    except Exception as exc:  # noqa: BLE001 - the test reads what went wrong
        print(f"{type(exc).__name__}: {exc}".splitlines()[0], flush=True)
        return 1
    print(f"posted {doc.number}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), int(sys.argv[2])))
