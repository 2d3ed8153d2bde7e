"""The Celery app of the workers the fault tests start: JXC's own (config.celery), with the Redis
transport options from the environment. A short visibility timeout makes Redis hand a killed
worker's unacknowledged message to another worker within a second instead of after an hour."""

import json
import os

from config.celery import app

__all__ = ["app"]

_options = json.loads(os.environ.get("JXC_FAULTS_TRANSPORT_OPTIONS") or "{}")
if _options:
    app.conf.broker_transport_options = _options
