"""Names of the case machine's jobs.

``cases.actors`` declares the actors under these names; services and step handlers send them by
name (``tenants.jobs.enqueue_on_commit(RUN_STEP, ...)``), so nothing below the actors imports
them.
"""

RUN_STEP = "run_step"
HANDOVER_RECEIVE = "handover_receive"
HANDOVER_RETURNED = "handover_returned"
BUILD_PERSONAL_DATA_EXPORT = "build_personal_data_export"
SEND_NOTIFICATION = "send_case_notification"
# Case notices have their own queue: a backlog of them never delays the account mails (password
# reset, registration) on the "mail" queue.
NOTIFICATION_QUEUE = "notifications"
