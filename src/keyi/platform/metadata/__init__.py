"""Metadata: the tenant's data model as plain values, its storage and its change service."""
