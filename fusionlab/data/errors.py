"""Errors raised by the data layer: each names the file or argument, what was expected and what was found."""

from __future__ import annotations

from collections.abc import Iterable


class DataFormatError(ValueError):
    """A file or array is not what the loader expects (truncated, wrong format, bad labels, NaN ...)."""


class MissingChannelError(DataFormatError, KeyError):
    """A requested channel (or lead) is not in the recording; the message lists the available ones."""

    def __init__(self, source: object, missing: Iterable[str], available: Iterable[str]) -> None:
        self.source = str(source)
        self.missing = list(missing)
        self.available = list(available)
        super().__init__(
            f"{self.source}: channel(s) {', '.join(repr(m) for m in self.missing)} not found; "
            f"available channels: {', '.join(repr(a) for a in self.available)}"
        )

    def __str__(self) -> str:  # KeyError would otherwise print the repr of the message
        return self.args[0]


class SamplingRateError(DataFormatError):
    """Signals that must share a sampling rate do not, or a rate does not divide an epoch."""


class FetchError(RuntimeError):
    """A dataset could not be fetched (offline, unknown dataset, failed checksum ...)."""


class OfflineError(FetchError):
    """No connection to the data host: the message says how to get the data by hand."""


class ChecksumError(FetchError):
    """A cached file does not match its published checksum."""
