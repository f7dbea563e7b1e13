"""Names of the case machine's jobs.

``cases.actors`` declares the actors under these names; services and step handlers send them by
name (``tenants.jobs.enqueue_on_commit(RUN_STEP, ...)``), so nothing below the actors imports
them.
"""

RUN_STEP = "run_step"
HANDOVER_RECEIVE = "handover_receive"
HANDOVER_RETURNED = "handover_returned"
BUILD_PERSONAL_DATA_EXPORT = "build_personal_data_export"
# One notification mail per message (jobs written before batches existed, still in queues).
SEND_NOTIFICATION = "send_case_notification"
# The notification mails of one commune that the outbox relay takes in one pass, in one message.
SEND_NOTIFICATIONS = "send_case_notifications"
# Case notices have their own queue: a backlog of them never delays the account mails (password
# reset, registration) on the "mail" queue.
NOTIFICATION_QUEUE = "notifications"
