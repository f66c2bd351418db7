import redis
from django.conf import settings


def redis_ping() -> str:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"
