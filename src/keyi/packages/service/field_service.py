"""Field service (上门服务): work orders for a case, check-in/out and the customer's sign-off."""
