"""connection-auditor: find a therapist's clients among their own connections, privately."""

__version__ = "0.1.0"
