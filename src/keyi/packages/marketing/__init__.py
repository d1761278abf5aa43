"""Marketing (市场营销): plans and budgets, expenses, campaigns with members and attributed
pipeline, segments, email and SMS sends, web-to-lead forms and customer-care greetings."""
