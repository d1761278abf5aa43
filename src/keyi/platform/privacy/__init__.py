"""Personal data of a contact or lead (PIPL/GDPR): export a copy, erase it."""

from keyi.platform.privacy.persons import register_person
from keyi.platform.privacy.service import erase, export_person

__all__ = ["erase", "export_person", "register_person"]
