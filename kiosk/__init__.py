"""Waiting-room kiosk that walks a patient through their Botox visit."""

__version__ = "0.1.0"
