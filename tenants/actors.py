import dramatiq

from .scheduler import fan_out


@dramatiq.actor(queue_name="scheduler", max_retries=0, time_limit=60_000)
def scheduler_tick() -> None:
    """The public scheduler job: fans the periodic actors out to every active commune."""
    fan_out()
