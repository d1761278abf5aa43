"""Customer service (客户服务): cases, queues and assignment, SLAs on business calendars,
email to case, knowledge base, satisfaction surveys, field service and the customer portal."""
